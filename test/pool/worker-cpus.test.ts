/**
 * `workerCpus`: on Linux, where util-linux `taskset` is installed, the supervisor threads and the
 * children they fork run only on the CPUs named, and the application's own thread keeps every CPU.
 * Elsewhere the option is accepted and changes nothing; a malformed list is INVALID_OPTIONS.
 */
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand } from '../../src/commands.js';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import type { LeanWorkerPoolOptions } from '../../src/pool/options.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { TASKSET_CANDIDATES } from '../../src/protocol/platform.js';
import { makePool, source } from './helpers.js';

const processInfo = defineJsonCommand({
  export: 'process_info',
  request: z.object({}),
  response: z.object({ pid: z.number(), nice: z.number(), autogroup: z.string().nullable() }),
});

/** The `Cpus_allowed_list` of a /proc `status` file, or null when it cannot be read. */
function cpusOf(statusFile: string): string | null {
  try {
    return /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync(statusFile, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** CPU lists of this process's threads. */
const threadCpus = () => readdirSync('/proc/self/task').map((tid) => cpusOf(`/proc/self/task/${tid}/status`));

const taskset = TASKSET_CANDIDATES.some((file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
const allCpus = cpusOf('/proc/self/status');
// Affinity is set through util-linux taskset on Linux; with one CPU there is no narrower set to observe.
const observable =
  process.platform === 'linux' && taskset && os.availableParallelism() > 1 && allCpus !== '0';

describe('workerCpus', () => {
  it.runIf(observable)(
    'keeps the supervisor thread and the child on the CPUs named, not the application thread',
    async () => {
      const pool = makePool({ workerCpus: [0] });
      const lease = await pool.acquireLease(source(['C1']));
      const info = await lease.runJsonCommand(processInfo, {});
      expect(cpusOf(`/proc/${info.pid}/status`)).toBe('0');
      expect(threadCpus()).toContain('0');
      expect(cpusOf('/proc/thread-self/status')).toBe(allCpus);
      lease.release();
    },
  );

  it.runIf(observable)(
    'leaves every CPU to the child by default, and where no CPU named exists',
    async () => {
      for (const options of [{}, { workerCpus: [4_095] }]) {
        const pool = makePool(options);
        const lease = await pool.acquireLease(source(['C2']));
        const info = await lease.runJsonCommand(processInfo, {});
        expect(cpusOf(`/proc/${info.pid}/status`)).toBe(allCpus);
        lease.release();
        await pool.close();
      }
    },
  );

  it.each([[[]], [[-1]], [[1.5]], ['0'], [[4_096]], [null]])('refuses workerCpus %j', (value) => {
    let caught: unknown;
    try {
      const options: Record<string, unknown> = { workerCpus: value };
      new LeanWorkerPool(options as LeanWorkerPoolOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LeanWorkerError);
    expect((caught as LeanWorkerError).code).toBe(ErrorCode.INVALID_OPTIONS);
  });
});
