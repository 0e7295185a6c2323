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
 * With `workerSchedIdle` (Linux) the thread also enters the SCHED_IDLE policy
 * (`platform/sched-idle.ts`), which its children inherit at fork: nice only weighs a thread's
 * share of a core, and a niced thread that has just been given a core keeps it for the rest of its
 * slice (up to the next scheduler tick) before a waking thread of the application gets it, while a
 * SCHED_IDLE one gives it up at once to a thread of its own scheduling group (children in session
 * groups of their own are weighed as groups first: docs/performance.md).
 *
 * Raising nice and entering SCHED_IDLE need no privilege. A failure (a kernel without autogroups,
 * a read-only /proc, no `chrt`) leaves the priority as it was: this is a hint to the scheduler,
 * never a reason to fail a start.
 */
import { readlinkSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { enterIdlePolicy } from './platform/sched-idle.js';

let nice = 0;

/**
 * Apply `value` to this thread (Linux) and remember it for the children it starts; with
 * `schedIdle`, put the thread (and so its future children) under SCHED_IDLE where the platform can.
 */
export function setWorkerNice(value: number, schedIdle = false): void {
  nice = value;
  if (schedIdle) enterIdlePolicy();
  if (value === 0 || process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, value);
  } catch {
    // no /proc/thread-self: the children still get it below
  }
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
