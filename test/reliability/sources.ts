/**
 * Worker sources for reliability tests: a launch spec made here (short deadlines, a marker
 * variable in the child environment) behind the public `LeanWorkerSource` interface, so the pool
 * runs exactly the child a test names.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand } from '../../src/commands.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import type { WorkerLaunchSpec } from '../../src/protocol/worker-spec.js';
import { fixturePath } from '../../src/worker/paths.js';
import { MARK_VARIABLE } from './resources.js';

/** Launch limits short enough for a fast matrix. */
export const FAST_LAUNCH: Omit<WorkerLaunchSpec, 'command' | 'args' | 'env'> = {
  startupTimeoutMs: 1_500,
  requestTimeoutMs: 5_000,
  requestIdleTimeoutMs: 0,
  shutdownTimeoutMs: 300,
  killWaitTimeoutMs: 3_000,
  maxFrameBytes: 1 << 20,
  stderrTailBytes: 4_096,
  hardMemoryLimitKib: 0,
  memorySampleIntervalMs: 1_000,
};

/** A source that starts `command args` with `env` plus the marker; its key is `key`. */
export function rawSource(
  key: string,
  command: string,
  args: readonly string[],
  mark: string,
  launch: Partial<WorkerLaunchSpec> = {},
): LeanWorkerSource {
  return {
    sessionKey: () => key,
    resolve: async () => ({
      key,
      launch: {
        ...FAST_LAUNCH,
        command,
        args: [...args],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [MARK_VARIABLE]: mark },
        ...launch,
      },
      session: null,
      metadata: null,
      policy: null,
    }),
  };
}

/** The fault child failing with `fault` at `phase`; `onceFile` limits a handshake fault to one process. */
export function faultSource(
  fault: string,
  phase: string,
  mark: string,
  onceFile?: string,
  launch: Partial<WorkerLaunchSpec> = {},
): LeanWorkerSource {
  const args = [fixturePath('children/fault-child'), fault, phase, ...(onceFile ? [onceFile] : [])];
  return rawSource(`fault:${fault}:${phase}:${mark}`, process.execPath, args, mark, launch);
}

/** A well-behaved child (the fault child that never faults). */
export function healthySource(mark: string, name = 'healthy'): LeanWorkerSource {
  return rawSource(
    `${name}:${mark}`,
    process.execPath,
    [fixturePath('children/fault-child'), 'none', 'none'],
    mark,
  );
}

/** A fresh marker and a scratch directory removed when the current test finishes. */
export function scratch(): { mark: string; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'lwp-rel-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return { mark: randomUUID(), dir };
}

/** `arm`: the fault child answers `{}` and, in the idle phase, faults 20 ms later. */
export const arm = defineJsonCommand({
  export: 'arm',
  request: z.object({}),
  response: z.object({}),
});
