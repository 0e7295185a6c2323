/**
 * The scheduling priority of the pool's own work, so that an application's event loop (an
 * Electron main process) keeps a core when rows stream. Set once per supervisor thread from the
 * pool's `workerNice`:
 *
 * - Linux: the supervisor thread lowers its own nice value (nice is per thread there); a child
 *   forked from this thread inherits it, and so do its descendants. Each child also leads a session
 *   of its own (for process-group kills), and where the kernel groups tasks by session
 *   (`/proc/sys/kernel/sched_autogroup_enabled`), a session is scheduled as one peer of the whole
 *   application: a thread's nice counts only inside its group. So the child's session group gets
 *   the same nice through `/proc/<pid>/autogroup`.
 * - Elsewhere nice is per process: the child's process gets it right after spawn; the thread
 *   keeps its priority (lowering it would lower the whole application).
 *
 * With `workerSchedIdle` (Linux) each child also runs under the SCHED_IDLE policy, from its first
 * instruction: it is started through util-linux `chrt --idle 0`, and its descendants inherit the
 * policy. Nice only weighs a task's share of a core, and a niced task that has just been given a
 * core keeps it for the rest of its slice before a waking thread of the application gets it,
 * while a SCHED_IDLE one gives it up at once (where it shares the application's scheduling group;
 * children in session groups of their own are weighed as groups first: docs/performance.md). The
 * supervisor thread itself stays out of SCHED_IDLE: it takes locks the application's thread takes
 * too (a MessagePort's queue lock, each time it posts to main), and a SCHED_IDLE thread preempted
 * while holding one waits for a core until nothing else wants one, while main waits on it: with
 * the cores busy with other work, main stalled for up to 2 s that way. `workerCpus` keeps the
 * thread, and so its children, on a list of CPUs (through `setpriv` and exec too).
 *
 * Node has no binding for `sched_setscheduler` or `sched_setaffinity`, so util-linux `chrt` and
 * `taskset` do it, from fixed paths, once per thread at start. Raising nice, entering SCHED_IDLE
 * and narrowing the CPUs need no privilege. A failure (a kernel without autogroups, a read-only
 * /proc, no `chrt`, a seccomp filter) leaves the priority as it was: this is a hint to the
 * scheduler, never a reason to fail a start.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { CHRT_CANDIDATES, TASKSET_CANDIDATES } from '../src/protocol/platform.js';
import { linuxTool } from './platform/executable.js';

let nice = 0;
/** The argv prefix that starts a child under SCHED_IDLE (`chrt --idle 0`), or none. */
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
 * Apply `value` to this thread (Linux) and remember it for the children it starts; with
 * `schedIdle`, start those children under SCHED_IDLE where the platform can (not this thread).
 */
export function setWorkerNice(value: number, schedIdle = false): void {
  nice = value;
  if (schedIdle) childPrefix = schedIdlePrefix();
  if (value === 0 || process.platform !== 'linux') return;
  const tid = ownTid();
  try {
    if (tid !== null) setPriority(tid, value);
  } catch {
    // refused: the children still get it below
  }
}

/**
 * `chrt --idle 0`, once this thread has seen it start a program under SCHED_IDLE; none where it
 * cannot (no chrt, not Linux, refused), so that a child still starts, under the normal policy.
 */
function schedIdlePrefix(): readonly string[] {
  const chrt = linuxTool(CHRT_CANDIDATES, process.platform);
  if (chrt === null) return [];
  const prefix = [chrt, '--idle', '0'];
  try {
    execFileSync(chrt, [...prefix.slice(1), chrt, '--version'], { stdio: 'ignore', timeout: 5_000 });
    return prefix;
  } catch {
    return [];
  }
}

/** What a child's argv starts with: `chrt --idle 0` under `workerSchedIdle` where it works. */
export function childPriorityPrefix(): readonly string[] {
  return childPrefix;
}

/** Give a child just spawned from this thread the pool's nice value (see the module comment). */
export function lowerChildPriority(pid: number): void {
  if (nice === 0) return;
  try {
    if (process.platform === 'linux') writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    else setPriority(pid, nice);
  } catch {
    // no autogroups here, or the child is already gone
  }
}
