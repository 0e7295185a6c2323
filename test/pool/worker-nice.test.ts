/**
 * `workerNice`: the pool's children (every thread of them) run at the given nice value, and on
 * Linux each child's session group gets it too, so that the application's own threads win the
 * cores when both want them; no thread of the application's process, the supervisor threads
 * included, is lowered. Out-of-range values are INVALID_OPTIONS.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand } from '../../src/commands.js';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { makePool, source } from './helpers.js';

const processInfo = defineJsonCommand({
  export: 'process_info',
  request: z.object({}),
  response: z.object({ pid: z.number(), nice: z.number(), autogroup: z.string().nullable() }),
});

/** The nice value in an autogroup line such as `/autogroup-123 nice 5`. */
const groupNice = (line: string | null) => (line === null ? null : Number(/nice (-?\d+)/.exec(line)?.[1]));

/** The nice value (field 19) of a /proc `stat` file. */
const niceOf = (statFile: string) => Number(readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ')[16]);

/** Nice values of every thread of process `pid`. */
const threadNices = (pid: number | 'self') =>
  readdirSync(`/proc/${pid}/task`).map((tid) => niceOf(`/proc/${pid}/task/${tid}/stat`));

const autogroups = existsSync('/proc/sys/kernel/sched_autogroup_enabled')
  ? readFileSync('/proc/sys/kernel/sched_autogroup_enabled', 'utf8').trim() === '1'
  : false;

describe('workerNice', () => {
  it('runs the children at nice 0 by default', async () => {
    const pool = makePool();
    const lease = await pool.acquireLease(source(['N0']));
    const info = await lease.runJsonCommand(processInfo, {});
    lease.release();
    expect(info.nice).toBe(0);
    if (autogroups) expect(groupNice(info.autogroup)).toBe(0);
  });

  it('gives the child, and its session group where the kernel has them, the nice value', async () => {
    const pool = makePool({ workerNice: 7 });
    const lease = await pool.acquireLease(source(['N7']));
    const info = await lease.runJsonCommand(processInfo, {});
    expect(info.nice).toBe(7);
    // Session groups exist only where the kernel groups tasks by session; elsewhere it is moot.
    if (autogroups) expect(groupNice(info.autogroup)).toBe(7);
    if (process.platform === 'linux') {
      const childThreads = threadNices(info.pid);
      expect(childThreads.length).toBeGreaterThan(1);
      expect(new Set(childThreads)).toEqual(new Set([7]));
      // The supervisor threads post to main under a lock main takes too: lowered, one preempted
      // while holding it would keep main waiting behind other work (tens of ms at nice 10).
      expect(new Set(threadNices('self'))).toEqual(new Set([niceOf('/proc/thread-self/stat')]));
    }
    lease.release();
  });

  it.each([-1, 20, 1.5, '5'])('refuses workerNice %s', (value) => {
    let caught: unknown;
    try {
      new LeanWorkerPool({ workerNice: value as number });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LeanWorkerError);
    expect((caught as LeanWorkerError).code).toBe(ErrorCode.INVALID_OPTIONS);
  });
});
