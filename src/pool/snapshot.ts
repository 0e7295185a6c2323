/**
 * `pool.snapshot()`: every field of the original's pool snapshot (camelCase) with a real
 * `queueDepth`, plus queue-wait percentiles, evictions, quarantined keys and memory by measure.
 */
import { platformMechanisms } from '../platform/mechanisms.js';
import type { MemoryReading } from '../protocol/platform.js';
import type { AdmissionStats } from './admission.js';
import { type AdmissionCounters, percentile, type WorkerCounters } from './counters.js';
import type { ResolvedPoolOptions } from './options.js';
import type { SystemMemory } from './system-memory.js';
import type { PoolWorker } from './worker.js';

export type { LeaseSnapshot } from './counters.js';

/** Admission's counters (`AdmissionCounters`) and every worker's (`WorkerCounters`), with the figures below. */
export interface LeanWorkerPoolSnapshot extends WorkerCounters, Readonly<AdmissionCounters> {
  readonly maxWorkers: number;
  readonly workers: number;
  readonly activeWorkers: number;
  /** Idle warm workers (the original's `warm_leases`). */
  readonly idleWorkers: number;
  readonly startingWorkers: number;
  /** Retired workers whose child is not reaped yet; each still holds a `maxWorkers` slot. */
  readonly exitingWorkers: number;
  readonly queueDepth: number;
  readonly queueWaitP50Ms: number | null;
  readonly queueWaitP99Ms: number | null;
  /** Session keys counted as they were first seen (a counter; the pool keeps no list of them). */
  readonly distinctKeysSeen: number;
  /** Keys whose per-key state the pool holds now, at most `MAX_TRACKED_KEYS` per table. */
  readonly trackedKeys: number;
  readonly freshColdOpensAvoided: number;
  readonly lastKeyMissReason: string | null;
  readonly refusalReason: string | null;
  readonly quarantinedKeys: number;
  readonly lastRestartReason: string | null;
  readonly lastImportStats: unknown;
  readonly lastSpawnHandshakeMs: number | null;
  readonly lastSessionOpenImportMs: number | null;
  readonly lastFirstCommandMs: number | null;
  readonly lastWarmCommandMs: number | null;
  readonly memory: {
    readonly measure: ResolvedPoolOptions['memoryMeasure'];
    readonly budgetKib: number | null;
    /** What admission compares with the budget: per-worker measure + one copy of shared file pages. */
    readonly decisionTotalKib: number;
    readonly privateSumKib: number;
    readonly sharedFileKib: number;
    /** Sum of RSS (counts shared `.olean` pages once per worker; shown, never budgeted). */
    readonly rssSumKib: number;
    readonly pssSumKib: number | null;
    readonly samplesUnavailable: number;
    /**
     * How this platform reads a worker's memory: `proc`, `pidusage` (RSS only), or `none`, where
     * the budget and the per-worker ceilings see no figure and cannot act. Always present, also
     * when system memory is ignored (`system` null).
     */
    readonly workersReading: MemoryReading;
    readonly learnedKeys: number;
    /** Machine and cgroup memory from the last background reading; null when ignored or unread. */
    readonly system: SystemMemory | null;
    /**
     * RSS of this (the parent) process when the snapshot was taken: the main thread and every
     * supervisor thread, one per worker (about 9 MiB each, `bench/thread-rss.ts`); the children
     * are not in it. Shown, never budgeted.
     */
    readonly parentRssKib: number;
  };
  readonly closed: boolean;
}

export function buildSnapshot(
  a: AdmissionStats,
  options: ResolvedPoolOptions,
  closed: boolean,
): LeanWorkerPoolSnapshot {
  const { totals, workers, queueWaits, memory: figures, learnedKeys, system, ...counters } = a;
  /** The figure of the last worker that has one. */
  const last = <T>(pick: (s: PoolWorker['stats']) => T | null): T | null => {
    let found: T | null = null;
    for (const w of workers) found = pick(w.stats) ?? found;
    return found;
  };
  return {
    ...totals,
    ...counters,
    maxWorkers: options.maxWorkers,
    workers: workers.length,
    activeWorkers: workers.filter((e) => e.state === 'leased').length,
    idleWorkers: workers.filter((e) => e.state === 'idle').length,
    queueWaitP50Ms: percentile(queueWaits, 50),
    queueWaitP99Ms: percentile(queueWaits, 99),
    freshColdOpensAvoided: counters.keyHits,
    lastRestartReason: last((s) => s.lastRestartReason),
    lastImportStats: last((s) => s.lastImportStats),
    lastSpawnHandshakeMs: last((s) => s.lastSpawnHandshakeMs),
    lastSessionOpenImportMs: last((s) => s.lastSessionOpenMs),
    lastFirstCommandMs: last((s) => s.lastFirstCommandMs),
    lastWarmCommandMs: last((s) => s.lastWarmCommandMs),
    memory: {
      measure: options.memoryMeasure,
      budgetKib: options.maxTotalChildMemoryKib ?? null,
      decisionTotalKib: figures.totalKib,
      privateSumKib: figures.privateSumKib,
      sharedFileKib: figures.sharedFileKib,
      rssSumKib: figures.rssSumKib,
      pssSumKib: figures.pssSumKib,
      samplesUnavailable: figures.unavailable,
      workersReading: platformMechanisms().memoryReading,
      learnedKeys,
      system,
      parentRssKib: Math.round(process.memoryUsage.rss() / 1024),
    },
    closed,
  };
}
