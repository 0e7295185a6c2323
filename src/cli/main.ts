#!/usr/bin/env node
/** `lean-worker`: demo, plan, doctor, check. */
import { demoCommand } from './demo.js';

const io = { stdout: process.stdout, stderr: process.stderr };
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
    process.stderr.write(`lean-worker: ${e.code ?? 'error'}: ${e.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
