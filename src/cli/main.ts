#!/usr/bin/env node
/** `lean-worker`: demo, plan, doctor, check. */
import { demoCommand } from './demo.js';
import { EXIT_OUTPUT_CLOSED, guardOutput } from './output.js';

const stdout = guardOutput(process.stdout);
const stderr = guardOutput(process.stderr);
const io = { stdout: stdout.stream, stderr: stderr.stream };
// The EPIPE of a reader that went away may be reported after the command resolved: judge at exit.
// A reader that went away is not a failure of the command: exit quietly, as piped-off tools do.
process.on('exit', () => {
  if (stdout.closed) process.exitCode = EXIT_OUTPUT_CLOSED;
});
const [command = 'help', ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case 'demo':
      return demoCommand(rest, io);
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
    default:
      io.stdout.write('usage: lean-worker <demo|plan|doctor|check> [--json]\n');
      return command === 'help' || command === '--help' ? 0 : 2;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const e = error as { code?: string; message?: string };
    io.stderr.write(`lean-worker: ${e.code ?? 'error'}: ${e.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
