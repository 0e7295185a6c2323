/**
 * Parent death: a Node parent with a busy pool (three workers, two streaming, one with a
 * grandchild holding its stdout, plus a child still before its handshake whose grandchild already
 * runs) ends by SIGKILL, SIGTERM, an uncaught exception or
 * `process.exit()`. Every child and grandchild must be gone within a second of the parent's end.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventually, killQuietly } from '../helpers/proc.js';
import { MARK_VARIABLE, markedProcesses } from './resources.js';

const PARENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'children/busy-parent.mjs');

async function startBusyParent(mode: string, mark: string) {
  const proc = spawn(process.execPath, [PARENT, mode], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, [MARK_VARIABLE]: mark },
  });
  onTestFinished(() => {
    killQuietly(proc.pid as number);
    for (const pid of markedProcesses(mark)) killQuietly(pid);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve();
    });
    void exited.then(() => reject(new Error(`the parent ended before it was ready: ${stderr}`)));
  });
  return { proc, exited };
}

describe('parent death', () => {
  it.each([
    ['SIGKILL', 'sigkill'],
    ['SIGTERM', 'sigterm'],
    ['an uncaught exception', 'uncaught'],
    ['process.exit()', 'exit'],
  ])('a busy parent ended by %s leaves no child or grandchild a second later', async (_how, mode) => {
    const mark = randomUUID();
    const parent = await startBusyParent(mode, mark);
    // Four children and two grandchildren run; one child has not handshaken yet.
    expect(await eventually(() => markedProcesses(mark).length >= 6, 5_000, 20)).toBe(true);
    if (mode === 'sigkill') parent.proc.kill('SIGKILL');
    if (mode === 'sigterm') parent.proc.kill('SIGTERM');
    if (mode === 'uncaught' || mode === 'exit') parent.proc.stdin.write('end\n');
    const exit = await parent.exited;
    if (mode === 'uncaught') expect(exit.code).toBe(1);
    if (mode === 'exit') expect(exit.code).toBe(0);
    if (mode === 'sigkill' || mode === 'sigterm') expect(exit.signal).toBe(mode.toUpperCase());
    const gone = await eventually(() => markedProcesses(mark).length === 0, 1_000, 10);
    expect(gone, `still running: ${markedProcesses(mark).join(', ')}`).toBe(true);
  });
});
