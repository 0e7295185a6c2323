/** Spawning the compiled fake repl (or a real repl) for tests; every child is killed when its test ends. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { ReplSession } from '../../threads/repl/session.js';
import { type ConnectReplOptions, connectReplChild } from './connect.js';

/** The compiled fake repl (`npm run build`). */
export const FAKE_REPL_JS = fileURLToPath(new URL('../../dist/demo/repl/fake-repl.js', import.meta.url));

/** Fail early, with the reason, when the fake repl has not been built. */
export function requireBuiltFake(): void {
  if (!existsSync(FAKE_REPL_JS)) throw new Error(`${FAKE_REPL_JS} is missing: run \`npm run build\` first`);
}

/** SIGKILL a child that is still running and wait until it is reaped. */
export async function killAndReap(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = once(child, 'close');
  child.kill('SIGKILL');
  await closed;
}

/** Spawn `command args` with piped stdio; killed and reaped when the current test finishes. */
export function spawnForTest(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
  cwd?: string,
) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  onTestFinished(() => killAndReap(child));
  return child;
}

/** Spawn the fake repl with extra environment variables. */
export function spawnFakeRepl(env: Record<string, string> = {}): ChildProcess {
  requireBuiltFake();
  return spawnForTest(process.execPath, [FAKE_REPL_JS], env);
}

/** A session on a fresh fake repl. */
export function fakeSession(
  env: Record<string, string> = {},
  options: ConnectReplOptions = {},
): { child: ChildProcess; session: ReplSession } {
  const child = spawnFakeRepl(env);
  return { child, session: connectReplChild(child, options) };
}

/** What a raw run of the fake repl produced. */
export interface RawRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Feed `input` to a fresh fake repl, close its stdin, and collect everything until it exits. */
export async function runFakeRaw(input: string, env: Record<string, string> = {}): Promise<RawRun> {
  const child = spawnFakeRepl(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined);
  const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  child.stdin!.end(input);
  const [code, signal] = await closed;
  return { stdout, stderr, code, signal };
}
