/**
 * The SCHED_IDLE scheduling policy for the calling thread (Linux only). A thread under it runs
 * only on a core no other thread of its scheduling group wants, and a waking thread of a normal
 * policy in the same group takes the core from it at once. Across groups (a child leading its own
 * session, where the kernel groups tasks by session) the groups are weighed first, so the effect
 * there is smaller (docs/performance.md measures both). Children forked from the thread inherit
 * the policy (through `setpriv` and exec too).
 *
 * Node has no binding for `sched_setscheduler`, so util-linux `chrt --idle -p 0 <tid>` does it,
 * from a fixed path (`CHRT_CANDIDATES`), once per thread at start. Entering SCHED_IDLE needs no
 * privilege; where `chrt` is missing or the kernel refuses (a seccomp filter, a non-Linux
 * kernel), the thread keeps its policy and the pool runs as before.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { CHRT_CANDIDATES } from '../../src/protocol/platform.js';
import { linuxTool } from './executable.js';

/** What became of a request for SCHED_IDLE. */
export type IdlePolicyOutcome = 'applied' | 'unsupported' | 'refused';

/** This thread's id (Linux), from `/proc/thread-self`, or null. */
function ownTid(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Put the calling thread (and so the children it forks later) under SCHED_IDLE. */
export function enterIdlePolicy(platform: string = process.platform): IdlePolicyOutcome {
  const chrt = linuxTool(CHRT_CANDIDATES, platform);
  const tid = chrt === null ? null : ownTid();
  if (chrt === null || tid === null) return 'unsupported';
  try {
    execFileSync(chrt, ['--idle', '-p', '0', String(tid)], { stdio: 'ignore', timeout: 5_000 });
    return 'applied';
  } catch {
    return 'refused';
  }
}
