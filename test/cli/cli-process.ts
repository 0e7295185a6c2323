/**
 * The compiled CLI as a separate process, with a deadline after which it is killed (a hang fails
 * the test instead of stalling the suite), and a way to find processes a run left behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const CLI = path.resolve(import.meta.dirname, '../../dist/src/cli/main.js');

/** How a run ended. */
export interface CliRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

const running = new Set<ChildProcess>();

/** Kill every run still going (call in `afterEach`). */
export function killRunning(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Run `lean-worker ...args`. */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; deadlineMs?: number; closeStdout?: boolean } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  // With `closeStdout`, the reader of the CLI's stdout is gone before it writes.
  if (options.closeStdout) child.stdout.destroy();
  else child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, options.deadlineMs ?? 20_000);
  return new Promise((resolve) => {
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ status, signal, stdout, stderr, timedOut });
    });
  });
}

/** Pids of live processes whose command line holds `marker`. */
export function processesWithArg(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone, or another user's process.
    }
  }
  return pids;
}
