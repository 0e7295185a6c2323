/**
 * Closing the worker table: let leased workers finish up to the deadline, then shut every worker
 * down (graceful unless killing was asked for or a lease still holds it), and count the outcomes
 * of those shutdowns and of the ones already under way.
 */
import type { ShutdownReport } from '../protocol/port-messages.js';
import { addCounters, type WorkerCounters } from './counters.js';
import type { PoolEntry } from './entry.js';

export interface WorkerTable {
  readonly entries: Set<PoolEntry>;
  /** Shutdowns already under way (retired workers). */
  readonly closing: Iterable<Promise<ShutdownReport>>;
  /** Counters of workers that left the table. */
  readonly retired: WorkerCounters;
  /** Resolves at the next release of a lease. */
  nextRelease(): Promise<void>;
}

export async function closeWorkers(table: WorkerTable, timeoutMs: number, mode: 'graceful' | 'kill') {
  const leased = () => [...table.entries].filter((e) => e.state === 'leased').length;
  const deadline = performance.now() + timeoutMs;
  while (leased() > 0 && performance.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      table.nextRelease(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(1, deadline - performance.now())).unref();
      }),
    ]);
    clearTimeout(timer);
  }
  const leasesOutstanding = leased();
  const workers = table.entries.size;
  const reports = await Promise.all(
    [...table.entries].map((e) => {
      table.entries.delete(e);
      addCounters(table.retired, e.counters);
      return e.handle.shutdown(mode === 'kill' || e.state === 'leased' ? 'kill' : 'graceful');
    }),
  );
  reports.push(...(await Promise.all(table.closing)));
  const outcomes: Record<string, number> = {};
  for (const r of reports) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return { workers, leasesOutstanding, outcomes };
}
