/**
 * Closing the worker table: wait until no lease holds a worker (or the deadline passes, or a
 * kill is asked for meanwhile), then the shutdowns are counted by outcome.
 */
import type { ShutdownReport } from '../protocol/port-messages.js';

/** What `close()` and `destroy()` report. */
export interface CloseCounts {
  readonly workers: number;
  readonly leasesOutstanding: number;
  readonly outcomes: Record<string, number>;
}

/**
 * Wait while `leased()` is above zero, until `deadline` (a `performance.now()` time) or until
 * `stop()` holds; `nextChange()` resolves at the next release, retirement or kill request. The
 * timer is not unref'd: a close in progress keeps the process alive until it settles.
 */
export async function waitForLeases(
  leased: () => number,
  deadline: number,
  stop: () => boolean,
  nextChange: () => Promise<void>,
): Promise<void> {
  while (leased() > 0 && !stop() && performance.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      nextChange(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(1, deadline - performance.now()));
      }),
    ]);
    clearTimeout(timer);
  }
}

/** Shutdown reports counted by outcome. */
export function countOutcomes(reports: readonly ShutdownReport[]): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const r of reports) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return outcomes;
}

/** The report of a shutdown that failed to report (its supervisor thread was gone). */
export const LOST_SHUTDOWN: ShutdownReport = Object.freeze({
  outcome: 'already_exited',
  elapsedMs: 0,
  gracefulWaitMs: 0,
  killWaitMs: null,
  exit: null,
});
