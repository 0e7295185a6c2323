/**
 * Peak memory during the demo, by measure. Reads the pool snapshot (the pool samples every child
 * in the background) and the slots' leases at a fixed period, plus this process's own RSS. Each
 * figure says what it measures; "private" is RssAnon + RssShmem of a child and its descendants.
 */
import type { LeanWorkerSessionLease } from '../src/lease.js';
import type { LeanWorkerPool } from '../src/pool/pool.js';
import type { LaneState } from './state.js';

/** Peaks seen while the demo ran (KiB). */
export interface MemoryPeaks {
  /** Sum over live children of private memory (RssAnon + RssShmem). */
  childrenPrivateSumKib: number;
  /** Sum over live children of RSS (counts shared file pages once per child). */
  childrenRssSumKib: number;
  /** One copy of the children's shared file pages. */
  childrenSharedFileKib: number;
  /** Sum of PSS, when the pool sampled it. */
  childrenPssSumKib: number | null;
  /** What admission compares with a budget: private sum + one copy of shared file pages. */
  admissionTotalKib: number;
  /** This process's RSS. */
  parentRssKib: number;
  samples: number;
  /** How the children were measured: proc (full breakdown), pidusage (RSS only) or none. */
  source: string;
}

export class MemoryTracker {
  readonly peaks: MemoryPeaks = {
    childrenPrivateSumKib: 0,
    childrenRssSumKib: 0,
    childrenSharedFileKib: 0,
    childrenPssSumKib: null,
    admissionTotalKib: 0,
    parentRssKib: 0,
    samples: 0,
    source: 'none',
  };
  readonly #pool: LeanWorkerPool;
  readonly #leases: readonly (LeanWorkerSessionLease | null)[];
  readonly #lanes: readonly LaneState[];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    pool: LeanWorkerPool,
    leases: readonly (LeanWorkerSessionLease | null)[],
    lanes: readonly LaneState[],
  ) {
    this.#pool = pool;
    this.#leases = leases;
    this.#lanes = lanes;
  }

  start(periodMs: number): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), periodMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.sample();
  }

  sample(): void {
    const p = this.peaks;
    const m = this.#pool.snapshot().memory;
    p.samples += 1;
    p.childrenPrivateSumKib = Math.max(p.childrenPrivateSumKib, m.privateSumKib);
    p.childrenRssSumKib = Math.max(p.childrenRssSumKib, m.rssSumKib);
    p.childrenSharedFileKib = Math.max(p.childrenSharedFileKib, m.sharedFileKib);
    if (m.pssSumKib !== null && m.pssSumKib > 0)
      p.childrenPssSumKib = Math.max(p.childrenPssSumKib ?? 0, m.pssSumKib);
    p.admissionTotalKib = Math.max(p.admissionTotalKib, m.decisionTotalKib);
    p.parentRssKib = Math.max(p.parentRssKib, Math.round(process.memoryUsage.rss() / 1024));
    this.#leases.forEach((lease, i) => {
      const lane = this.#lanes[i];
      if (!lease || !lane) return;
      const sample = lease.snapshot().memory as { privateKib?: number; source?: string } | null;
      if (sample?.source && sample.source !== 'none') p.source = sample.source;
      lane.peakPrivateKib = Math.max(lane.peakPrivateKib, sample?.privateKib ?? 0);
    });
  }
}
