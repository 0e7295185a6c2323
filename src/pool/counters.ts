/**
 * Operational counters, kept per worker and summed for the pool. A worker's counters survive its
 * restarts and are folded into the pool's retired totals when it leaves, so no figure ever goes
 * backwards.
 */
import type { MemorySample } from '../protocol/port-messages.js';

/** A worker's counters (every field a count, or a sum of ms or bytes). */
export type WorkerCounters = ReturnType<typeof emptyCounters>;

export function emptyCounters() {
  return {
    requests: 0,
    /** Session opens the child answered with an import (cold, after each restart, after `session_missing`). */
    imports: 0,
    workerRestarts: 0,
    maxRequestRestarts: 0,
    maxImportRestarts: 0,
    memoryRestarts: 0,
    idleRestarts: 0,
    cancelledRestarts: 0,
    timeoutRestarts: 0,
    crashRestarts: 0,
    protocolRestarts: 0,
    explicitCycles: 0,
    policyRestarts: 0,
    replacementAttempts: 0,
    replacementSuccesses: 0,
    replacementFailures: 0,
    /** Replacements under way when their worker was retired: attempts = successes + failures + this. */
    replacementAbandoned: 0,
    /** Session opens sent that were not answered as a reuse: `imports` plus the opens that failed. */
    importLikeRequests: 0,
    streamRequests: 0,
    streamSuccesses: 0,
    streamFailures: 0,
    dataRowsDelivered: 0,
    dataRowPayloadBytes: 0,
    streamElapsedMs: 0,
    backpressureWaits: 0,
    backpressureFailures: 0,
    memorySamplesUnavailable: 0,
  };
}

const COUNTER_NAMES = Object.keys(emptyCounters()) as readonly (keyof WorkerCounters)[];

/** Add `from` into `into`. */
export function addCounters(into: WorkerCounters, from: WorkerCounters): WorkerCounters {
  for (const key of COUNTER_NAMES) into[key] += from[key];
  return into;
}

/** Pool-level admission counters. */
export type AdmissionCounters = ReturnType<typeof emptyAdmissionCounters>;

export function emptyAdmissionCounters() {
  return {
    queueTimeouts: 0,
    queueFullRejections: 0,
    queueAborts: 0,
    memoryBudgetRejections: 0,
    coldOpenAttempts: 0,
    coldOpenAdmitted: 0,
    coldOpenRefusals: 0,
    keyHits: 0,
    keyMisses: 0,
    missEmptyPool: 0,
    missNoMatchingKey: 0,
    evictions: 0,
    quarantineRejections: 0,
    leasesGranted: 0,
    leasesReleased: 0,
    concurrentColdOpensObserved: 0,
    /** Spare workers started in the background (`spares`). */
    spareStarts: 0,
    /** Used-up workers whose replacement was started in the background (`replaceInBackground`). */
    backgroundReplacements: 0,
    /** Leases served by a spare or replacement at its first lease: imports no caller waited for. */
    backgroundStartsUsed: 0,
  };
}

/** Count a cold open about to start: a key miss, why it missed, and the concurrency reached. */
export function noteColdOpenAttempt(counters: AdmissionCounters, poolEmpty: boolean, starting: number): void {
  counters.keyMisses += 1;
  counters.coldOpenAttempts += 1;
  if (poolEmpty) counters.missEmptyPool += 1;
  else counters.missNoMatchingKey += 1;
  counters.concurrentColdOpensObserved = Math.max(counters.concurrentColdOpensObserved, starting);
}

/** The last `capacity` values recorded, in no particular order (percentiles need none). */
export class RecentValues {
  readonly values: number[] = [];
  readonly #capacity: number;
  #written = 0;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  record(value: number): void {
    if (this.values.length < this.#capacity) this.values.push(value);
    else this.values[this.#written % this.#capacity] = value;
    this.#written += 1;
  }
}

/** Nearest-rank percentile of `values` (ms); null when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** `lease.snapshot()`: the counters of the lease's worker only. */
export interface LeaseSnapshot extends Readonly<WorkerCounters> {
  /** The worker's generation (one per child it has run). */
  readonly generation: number;
  /** The version the child announced in its handshake (`'unknown'` before one). */
  readonly workerVersion: string;
  /** The last memory sample of the worker's child, null before the first. */
  readonly memory: MemorySample | null;
}
