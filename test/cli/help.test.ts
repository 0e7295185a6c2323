/**
 * The compiled CLI explains itself: `--help` lists every command with one line, `--version` is
 * the package's, an unknown command or flag is a usage error (exit 2) with its code, every
 * command's `--help` lists its flags with descriptions, and a missing file is a failure (exit 1),
 * not a usage error.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageCode } from '../../src/cli/flags.js';
import { ErrorCode } from '../../src/errors.js';
import { killRunning, runCli } from './cli-process.js';

afterEach(killRunning);

const COMMANDS = ['run', 'check', 'plan', 'doctor', 'demo'];
const missing = path.join(tmpdir(), 'lwp-no-such-dir', 'nothing-here');

describe('lean-worker --help and --version', () => {
  it('lists every command with a line of its own', async () => {
    for (const args of [['--help'], ['help'], []]) {
      const run = await runCli(args);
      expect(run.status).toBe(EXIT_OK);
      for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`\\n  ${command} +\\S.*\\n`));
    }
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(
      readFileSync(path.resolve(import.meta.dirname, '../../package.json'), 'utf8'),
    );
    const run = await runCli(['--version']);
    expect(run.status).toBe(EXIT_OK);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it('names an unknown command or flag as a usage error', async () => {
    const command = await runCli(['frobnicate']);
    expect(command.status).toBe(EXIT_USAGE);
    expect(command.stderr).toContain(UsageCode.UNKNOWN_COMMAND);
    expect(command.stderr).toContain('frobnicate');
    const flag = await runCli(['--frobnicate']);
    expect(flag.status).toBe(EXIT_USAGE);
    expect(flag.stderr).toContain(UsageCode.UNKNOWN_FLAG);
  });
});

describe('every command explains its flags', () => {
  it.each(COMMANDS)('%s --help lists each flag with a description', async (command) => {
    const run = await runCli([command, '--help']);
    expect(run.status).toBe(EXIT_OK);
    expect(run.stdout).toContain(`usage: lean-worker ${command}`);
    const flags = run.stdout.split('flags:\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    expect(flags.length).toBeGreaterThan(1);
    for (const line of flags) expect(line).toMatch(/^ {2}(-\w, )?--[\w-]+.*\S {2,}\S/);
    expect(run.stdout).toContain('--help');
  });

  it.each(COMMANDS)('%s refuses an unknown flag in its own words', async (command) => {
    const run = await runCli([command, '--frobnicate']);
    expect(run.status).toBe(EXIT_USAGE);
    expect(run.stderr).toContain(`lean-worker ${command}: ${UsageCode.UNKNOWN_FLAG}: `);
    expect(run.stderr).not.toMatch(/ERR_PARSE_ARGS|Unknown option|✖|invalid_type/);
  });

  it('--help wins over other flags, even broken ones', async () => {
    const run = await runCli(['plan', '--frobnicate', '--help']);
    expect(run.status).toBe(EXIT_OK);
    expect(run.stdout).toContain('usage: lean-worker plan');
  });
});

describe('exit status of missing files', () => {
  it('plan of a missing project fails with its code, not as a usage error', async () => {
    const run = await runCli(['plan', missing]);
    expect(run.status).toBe(EXIT_FAILED);
    expect(run.stderr).toMatch(/LEAN_WORKER_ERR_\w+/);
    expect(run.stderr).not.toContain('usage:');
  });

  it('check of a missing snippet file fails with INVALID_ARGUMENT', async () => {
    const run = await runCli(['check', '--fake', `${missing}.lean`]);
    expect(run.status).toBe(EXIT_FAILED);
    expect(run.stderr).toContain(ErrorCode.INVALID_ARGUMENT);
  });
});
