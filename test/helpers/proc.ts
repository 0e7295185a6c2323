/**
 * Process facts read from `/proc`: whether a pid still exists, and its state. A zombie has exited
 * but is not reaped yet; `pidGone` means reaped (no `/proc/<pid>` at all).
 */
import { readFileSync } from 'node:fs';

/** The one-letter state of `pid` (R, S, D, Z, ...), or null when `/proc/<pid>` does not exist. */
export function pidState(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const after = stat.slice(stat.lastIndexOf(')') + 2);
  return after.charAt(0) || null;
}

/** The pid no longer exists: it exited and was reaped. */
export function pidGone(pid: number): boolean {
  return pidState(pid) === null;
}

/** The pid does not run any more: reaped, or exited and waiting to be reaped (zombie). */
export function pidDead(pid: number): boolean {
  const state = pidState(pid);
  return state === null || state === 'Z' || state === 'X';
}

/** Poll `check` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean, timeoutMs = 2_000, everyMs = 10): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (true) {
    if (check()) return true;
    if (performance.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Wait until `pid` is reaped; returns whether it was within `timeoutMs`. */
export function waitGone(pid: number, timeoutMs = 2_000): Promise<boolean> {
  return eventually(() => pidGone(pid), timeoutMs);
}

/** Wait until `pid` no longer runs; returns whether it stopped within `timeoutMs`. */
export function waitDead(pid: number, timeoutMs = 2_000): Promise<boolean> {
  return eventually(() => pidDead(pid), timeoutMs);
}

/** SIGKILL `pid`'s process group, then `pid` itself, ignoring processes that are already gone. */
export function killQuietly(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
