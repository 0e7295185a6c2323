#!/usr/bin/env node
/** `lean-worker`: run, check, plan, doctor, demo; `--help` and `--version`. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CliUsageError, EXIT_OK, reportUsage, UsageCode } from './flags.js';
import { EXIT_OUTPUT_CLOSED, guardOutput } from './output.js';

const stdout = guardOutput(process.stdout);
const stderr = guardOutput(process.stderr);
const io = { stdout: stdout.stream, stderr: stderr.stream, outputClosed: stdout.closed };
// A reader that went away is not a failure of the command: exit quietly, as piped-off tools do.
// Its EPIPE may be reported after the command resolved, so this is judged at exit.
process.on('exit', () => {
  if (stdout.closed()) process.exitCode = EXIT_OUTPUT_CLOSED;
});
const [command = '--help', ...rest] = process.argv.slice(2);

type Command = (args: string[], cliIo: typeof io) => Promise<number>;

/** The commands, one line each for `lean-worker --help`, and their modules, loaded when run. */
const COMMANDS: Readonly<Record<string, readonly [string, () => Promise<Command>]>> = {
  run: [
    'run one export of a capability; rows as NDJSON on stdout',
    async () => (await import('./run.js')).runCommand,
  ],
  check: [
    'check Lean snippets in parallel on warm repl workers',
    async () => (await import('./check.js')).checkCommand,
  ],
  plan: ["print a Lake project's import batches", async () => (await import('./plan.js')).planCommand],
  doctor: [
    'report what this machine offers a worker pool',
    async () => (await import('./doctor.js')).doctorCommand,
  ],
  // The demo is not the library: it lives in `demo/` (dist/demo/).
  demo: [
    'a live demo: typed streaming commands over a generated Mathlib-shaped project',
    async () => (await import('../../demo/command.js')).demoCommand,
  ],
};

const HELP = `usage: lean-worker <command> [flags]

Pools of supervised Lean 4 worker processes, from the command line.

commands:
${Object.entries(COMMANDS)
  .map(([name, [line]]) => `  ${name.padEnd(8)}${line}`)
  .join('\n')}

  lean-worker <command> --help   the command's flags
  lean-worker --version          the package version

exit status: 0 success, 1 the command ran and something failed, 2 usage error (nothing ran),
141 stdout's reader went away
`;

function version(): string {
  // The package's own manifest, found by its name (a package may import itself through `exports`).
  const file = createRequire(import.meta.url).resolve('lean-worker-pool/package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
}

async function main(): Promise<number> {
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command]?.[1] : undefined;
  if (load) return (await load())(rest, io);
  if (['help', '--help', '-h', '--version', '-v'].includes(command)) {
    io.stdout.write(command === '--version' || command === '-v' ? `${version()}\n` : HELP);
    return EXIT_OK;
  }
  const flag = command.startsWith('-');
  const code = flag ? UsageCode.UNKNOWN_FLAG : UsageCode.UNKNOWN_COMMAND;
  const message = `unknown ${flag ? 'flag' : 'command'} ${command}; commands: ${Object.keys(COMMANDS).join(', ')}`;
  io.stderr.write(`lean-worker: ${code}: ${message}\n(see \`lean-worker --help\`)\n`);
  return 2;
}

main()
  .catch((error: unknown) => {
    if (error instanceof CliUsageError) return reportUsage(io.stderr, command, error);
    const e = error as { code?: string; message?: string };
    io.stderr.write(`lean-worker: ${e.code ?? 'error'}: ${e.message ?? String(error)}\n`);
    return 1;
  })
  .then((code) => {
    process.exitCode = code;
  });
