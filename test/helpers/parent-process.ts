/**
 * Runs `children/supervisor-parent.mjs` as a separate Node process and reads the pid of the
 * worker child it started. The process is SIGKILLed when the current test finishes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { onTestFinished } from 'vitest';
import { killQuietly } from './proc.js';
import { helperChild } from './supervisor.js';

export interface ParentProcess {
  readonly proc: ChildProcess;
  /** Pid of the worker child the parent's supervisor started. */
  readonly childPid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startParentProcess(mode: 'stream' | 'exit'): Promise<ParentProcess> {
  const proc = spawn(process.execPath, [helperChild('supervisor-parent.mjs'), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let childPid = -1;
  onTestFinished(() => {
    killQuietly(proc.pid as number);
    if (childPid > 0) killQuietly(childPid);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  childPid = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /pid (\d+)\n/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(() => {
      const match = /pid (\d+)\n/.exec(out);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`parent process ended before its child started: ${stderr}`));
    });
  });
  return { proc, childPid, exited };
}
