#!/usr/bin/env node
/** `lean-worker`: run, check, plan, doctor, demo; `--help` and `--version`. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CliUsageError, EXIT_OK, reportUsage, UsageCode } from './flags.js';
import { EXIT_OUTPUT_CLOSED, guardOutput } from './output.js';

const stdout = guardOutput(process.stdout);
const stderr = guardOutput(process.stderr);
const io = { stdout: stdout.stream, stderr: stderr.stream, outputClosed: () => stdout.closed };
// The EPIPE of a reader that went away may be reported after the command resolved: judge at exit.
// A reader that went away is not a failure of the command: exit quietly, as piped-off tools do.
process.on('exit', () => {
  if (stdout.closed) process.exitCode = EXIT_OUTPUT_CLOSED;
});
const [command = '--help', ...rest] = process.argv.slice(2);

/** The commands, one line each, for `lean-worker --help`. */
const COMMANDS: readonly (readonly [string, string])[] = [
  ['run', 'run one export of a capability; rows as NDJSON on stdout'],
  ['check', 'check Lean snippets in parallel on warm repl workers'],
  ['plan', "print a Lake project's import batches"],
  ['doctor', 'report what this machine offers a worker pool'],
  ['demo', 'a live demo: typed streaming commands over a generated Mathlib-shaped project'],
];

const HELP = `usage: lean-worker <command> [flags]

Pools of supervised Lean 4 worker processes, from the command line.

commands:
${COMMANDS.map(([name, line]) => `  ${name.padEnd(8)}${line}`).join('\n')}

  lean-worker <command> --help   the command's flags
  lean-worker --version          the package version

exit status: 0 success, 1 the command ran and something failed, 2 usage error (nothing ran),
141 stdout's reader went away
`;

function version(): string {
  // The package's own manifest, found by its name (a package may import itself through `exports`).
  const file = createRequire(import.meta.url).resolve('lean-worker-pool/package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

async function main(): Promise<number> {
  switch (command) {
    case 'demo': {
      // The demo is not the library: it lives in `demo/` (dist/demo/), loaded only for this command.
      const { demoCommand } = await import('../../demo/command.js');
      return demoCommand(rest, io);
    }
    case 'run': {
      const { runCommand } = await import('./run.js');
      return runCommand(rest, io);
    }
    case 'plan': {
      const { planCommand } = await import('./plan.js');
      return planCommand(rest, io);
    }
    case 'check': {
      const { checkCommand } = await import('./check.js');
      return checkCommand(rest, io);
    }
    case 'doctor': {
      const { doctorCommand } = await import('./doctor.js');
      return doctorCommand(rest, io);
    }
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(HELP);
      return EXIT_OK;
    case '--version':
    case '-v':
      io.stdout.write(`${version()}\n`);
      return EXIT_OK;
    default: {
      const known = COMMANDS.map(([name]) => name).join(', ');
      const error = command.startsWith('-')
        ? new CliUsageError(UsageCode.UNKNOWN_FLAG, `unknown flag ${command}; commands: ${known}`, {
            flag: command,
          })
        : new CliUsageError(UsageCode.UNKNOWN_COMMAND, `unknown command ${command}; commands: ${known}`, {
            command,
          });
      io.stderr.write(`lean-worker: ${error.code}: ${error.message}\n(see \`lean-worker --help\`)\n`);
      return 2;
    }
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliUsageError) {
      process.exitCode = reportUsage(io.stderr, command, error);
      return;
    }
    const e = error as { code?: string; message?: string };
    io.stderr.write(`lean-worker: ${e.code ?? 'error'}: ${e.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
