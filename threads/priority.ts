/**
 * The scheduling priority of the pool's children, so that an application's event loop (an
 * Electron main process) keeps a core when rows stream. Set once per supervisor thread from the
 * pool's `workerNice` and `workerSchedIdle`, for the children that thread starts; the thread
 * itself keeps the application's priority and policy:
 *
 * - Linux: each child starts through coreutils `nice -n <value>` (nice is per thread there, and
 *   every thread of the child inherits it from its first instruction). Each child also leads a
 *   session of its own (for process-group kills), and where the kernel groups tasks by session
 *   (`/proc/sys/kernel/sched_autogroup_enabled`), a session is scheduled as one peer of the whole
 *   application: a thread's nice counts only inside its group. So the child's session group gets
 *   the same nice through `/proc/<pid>/autogroup`.
 * - Elsewhere nice is per process: the child's process gets it right after spawn.
 *
 * With `workerSchedIdle` (Linux) each child also runs under the SCHED_IDLE policy, started through
 * util-linux `chrt --idle 0`; its descendants inherit the policy. Nice only weighs a task's share
 * of a core, and a niced task that has just been given a core keeps it for the rest of its slice
 * before a waking thread of the application gets it, while a SCHED_IDLE one gives it up at once
 * (where it shares the application's scheduling group; children in session groups of their own
 * are weighed as groups first: docs/performance.md).
 *
 * Why not the supervisor thread: it takes locks the application's thread takes too (a
 * MessagePort's queue lock, each time it posts to main), and a lowered thread preempted while
 * holding one waits for a core behind everything else that wants one, while main waits on it.
 * With the cores busy with other work, main stalled for up to 2 s that way behind a SCHED_IDLE
 * thread and about 50 ms behind one at nice 10 (`node dist/bench/priority-floor.js`). Children
 * share no lock with the application's process. `workerCpus` keeps the thread, and so its
 * children, on a list of CPUs (through `setpriv` and exec too).
 *
 * Node has no binding for `sched_setscheduler` or `sched_setaffinity`, so util-linux `chrt` and
 * `taskset` do it, from fixed paths. Raising nice, entering SCHED_IDLE and narrowing the CPUs need
 * no privilege. A failure (a kernel without autogroups, a read-only /proc, no `nice` or `chrt`, a
 * seccomp filter) leaves the priority as it was: this is a hint to the scheduler, never a reason
 * to fail a start.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { CHRT_CANDIDATES, NICE_CANDIDATES, TASKSET_CANDIDATES } from '../src/protocol/platform.js';
import { linuxTool } from './platform/executable.js';

let nice = 0;
/** The `nice -n <value>` prefix the children start under, or none. */
let lowered: readonly string[] = [];
/** The argv prefix the children start under (`chrt --idle 0`, `nice -n <value>`), or none. */
let childPrefix: readonly string[] = [];

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
function onOwnThread(candidates: readonly string[], args: readonly string[]): void {
  const tool = linuxTool(candidates, process.platform);
  const tid = tool === null ? null : ownTid();
  if (tool === null || tid === null) return;
  try {
    execFileSync(tool, [...args, String(tid)], { stdio: 'ignore', timeout: 5_000 });
  } catch {
    // refused: the thread keeps its policy and CPUs
  }
}

/**
 * Keep the calling thread (and so the children it forks later, which inherit the mask) on `cpus`:
 * `taskset -p -c <list> <tid>`. The kernel leaves out CPUs the machine lacks and refuses a list
 * of none; then the thread keeps every CPU.
 */
export function keepOnCpus(cpus: readonly number[]): void {
  onOwnThread(TASKSET_CANDIDATES, ['-p', '-c', cpus.join(',')]);
}

/**
 * Remember `value` (and `schedIdle`) for the children this thread starts: on Linux as the argv
 * prefix they start under, where `nice` and `chrt` work; this thread keeps its own priority.
 */
export function lowerChildrenOfThisThread(value: number, schedIdle = false): void {
  nice = value;
  const idle = schedIdle ? probed(CHRT_CANDIDATES, ['--idle', '0']) : [];
  lowered = value > 0 ? probed(NICE_CANDIDATES, ['-n', String(value)]) : [];
  childPrefix = [...idle, ...lowered];
}

/**
 * `<tool> <args>` as an exec prefix, once this thread has seen it run a program (the tool itself,
 * `--version`); none where it cannot (not Linux, no tool, refused), so that a child still starts.
 */
function probed(candidates: readonly string[], args: readonly string[]): readonly string[] {
  const tool = linuxTool(candidates, process.platform);
  if (tool === null) return [];
  try {
    execFileSync(tool, [...args, tool, '--version'], { stdio: 'ignore', timeout: 5_000 });
    return [tool, ...args];
  } catch {
    return [];
  }
}

/** What a child's argv starts with: `chrt --idle 0` and `nice -n <value>` where they apply and work. */
export function childPriorityPrefix(): readonly string[] {
  return childPrefix;
}

/**
 * Give a child just spawned from this thread the pool's nice value where its argv prefix did not:
 * its session group on Linux (and its first thread, without `nice`), its process elsewhere.
 */
export function lowerChildPriority(pid: number): void {
  if (nice === 0) return;
  try {
    if (process.platform !== 'linux' || lowered.length === 0) setPriority(pid, nice);
  } catch {
    // the child is already gone
  }
  try {
    if (process.platform === 'linux') writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  } catch {
    // no autogroups here, or the child is already gone
  }
}
