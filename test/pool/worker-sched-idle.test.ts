/**
 * `workerSchedIdle`: on Linux, where util-linux `chrt` is installed, the children (every thread
 * of them) run under the SCHED_IDLE policy, while every thread of the application's process,
 * the supervisor threads included, keeps the normal one. Elsewhere the option is accepted and
 * changes nothing; a wrong type is INVALID_OPTIONS.
 */
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand } from '../../src/commands.js';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import type { LeanWorkerPoolOptions } from '../../src/pool/options.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { CHRT_CANDIDATES } from '../../src/protocol/platform.js';
import { makePool, source } from './helpers.js';

const processInfo = defineJsonCommand({
  export: 'process_info',
  request: z.object({}),
  response: z.object({ pid: z.number(), nice: z.number(), autogroup: z.string().nullable() }),
});

/** SCHED_IDLE in the `policy` field of /proc/<pid>/stat. */
const SCHED_IDLE = 5;

/** The scheduling policy (field 41) of a /proc `stat` file, or null when it cannot be read. */
function policyOf(statFile: string): number | null {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ');
    return fields ? Number(fields[38]) : null;
  } catch {
    return null;
  }
}

/** Policies of this process's threads. */
const threadPolicies = () =>
  readdirSync('/proc/self/task').map((tid) => policyOf(`/proc/self/task/${tid}/stat`));

const chrt = CHRT_CANDIDATES.some((file) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
// SCHED_IDLE is a Linux policy, applied through util-linux chrt: without either there is nothing to observe.
const linuxWithChrt = process.platform === 'linux' && chrt;

describe('workerSchedIdle', () => {
  it.runIf(linuxWithChrt)('leaves the child under the normal policy by default', async () => {
    const pool = makePool({ workerNice: 3 });
    const lease = await pool.acquireLease(source(['S0']));
    const info = await lease.runJsonCommand(processInfo, {});
    expect(policyOf(`/proc/${info.pid}/stat`)).toBe(0);
    expect(threadPolicies()).not.toContain(SCHED_IDLE);
    lease.release();
  });

  it.runIf(linuxWithChrt)(
    'runs the child and all its threads under SCHED_IDLE, and no thread of the application',
    async () => {
      const pool = makePool({ workerNice: 3, workerSchedIdle: true });
      const lease = await pool.acquireLease(source(['S1']));
      const info = await lease.runJsonCommand(processInfo, {});
      expect(policyOf(`/proc/${info.pid}/stat`)).toBe(SCHED_IDLE);
      const childThreads = readdirSync(`/proc/${info.pid}/task`);
      expect(childThreads.length).toBeGreaterThan(1);
      for (const tid of childThreads) expect(policyOf(`/proc/${info.pid}/task/${tid}/stat`)).toBe(SCHED_IDLE);
      // The nice value still applies beside the policy (it weighs the child's session group).
      expect(info.nice).toBe(3);
      // The supervisor thread posts to main under a lock main takes too: were it SCHED_IDLE, main
      // would wait on it for as long as other work keeps every core busy (seconds, measured).
      expect(threadPolicies()).not.toContain(SCHED_IDLE);
      lease.release();
    },
  );

  it.each([1, 'yes', null])('refuses workerSchedIdle %s', (value) => {
    let caught: unknown;
    try {
      const options: Record<string, unknown> = { workerSchedIdle: value };
      new LeanWorkerPool(options as LeanWorkerPoolOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LeanWorkerError);
    expect((caught as LeanWorkerError).code).toBe(ErrorCode.INVALID_OPTIONS);
  });
});
