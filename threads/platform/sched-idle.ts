/**
 * Where and how the calling thread is scheduled (Linux only): the CPUs it may run on
 * (`workerCpus`) and the SCHED_IDLE policy (`workerSchedIdle`). A thread under SCHED_IDLE runs
 * only on a core no other thread of its scheduling group wants, and a waking thread of a normal
 * policy in the same group takes the core from it at once. Across groups (a child leading its own
 * session, where the kernel groups tasks by session) the groups are weighed first, so the effect
 * there is smaller (docs/performance.md measures both). Children forked from the thread inherit
 * the policy and the CPU mask (through `setpriv` and exec too).
 *
 * Node has no binding for `sched_setscheduler` or `sched_setaffinity`, so util-linux `chrt` and
 * `taskset` do it, from fixed paths, once per thread at start. Neither needs a privilege to
 * narrow; where the tool is missing or the kernel refuses (a seccomp filter, a non-Linux kernel),
 * the thread keeps its policy and CPUs and the pool runs as before.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { CHRT_CANDIDATES, TASKSET_CANDIDATES } from '../../src/protocol/platform.js';
import { linuxTool } from './executable.js';

/** What became of a request for SCHED_IDLE or a CPU list. */
export type SchedulingOutcome = 'applied' | 'unsupported' | 'refused';

/** This thread's id (Linux), from `/proc/thread-self`, or null. */
function ownTid(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Run util-linux `tool` (found among `candidates`) with `args` and this thread's id last. */
function onOwnThread(
  candidates: readonly string[],
  args: readonly string[],
  platform: string,
): SchedulingOutcome {
  const tool = linuxTool(candidates, platform);
  const tid = tool === null ? null : ownTid();
  if (tool === null || tid === null) return 'unsupported';
  try {
    execFileSync(tool, [...args, String(tid)], { stdio: 'ignore', timeout: 5_000 });
    return 'applied';
  } catch {
    return 'refused';
  }
}

/**
 * Keep the calling thread (and so the children it forks later, which inherit the mask) on `cpus`
 * (`workerCpus`): util-linux `taskset -p -c <list> <tid>`. The kernel leaves out CPUs the machine
 * lacks and refuses a list of none; then the thread keeps every CPU.
 */
export function keepOnCpus(cpus: readonly number[], platform: string = process.platform): SchedulingOutcome {
  return onOwnThread(TASKSET_CANDIDATES, ['-p', '-c', cpus.join(',')], platform);
}

/** Put the calling thread (and so the children it forks later) under SCHED_IDLE. */
export function enterIdlePolicy(platform: string = process.platform): SchedulingOutcome {
  return onOwnThread(CHRT_CANDIDATES, ['--idle', '-p', '0'], platform);
}
