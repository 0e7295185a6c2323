/**
 * `pool.snapshot()`: every field of the original's pool snapshot (camelCase) with a real
 * `queueDepth`, plus queue-wait percentiles, evictions, quarantined keys and memory by measure.
 */

import { platformMechanisms } from '../platform/mechanisms.js';
import type { MemoryReading } from '../protocol/platform.js';
import type { AdmissionStats } from './admission.js';
import { percentile, type WorkerCounters } from './counters.js';
import type { ResolvedPoolOptions } from './options.js';
import type { SystemMemory } from './system-memory.js';

export type { LeaseSnapshot } from './counters.js';

export interface LeanWorkerPoolSnapshot extends WorkerCounters {
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
  readonly queueTimeouts: number;
  readonly queueFullRejections: number;
  readonly queueAborts: number;
  readonly memoryBudgetRejections: number;
  readonly coldOpenAttempts: number;
  readonly coldOpenAdmitted: number;
  readonly coldOpenRefusals: number;
  readonly keyHits: number;
  readonly keyMisses: number;
  /** Session keys counted as they were first seen (a counter; the pool keeps no list of them). */
  readonly distinctKeysSeen: number;
  /** Keys whose per-key state the pool holds now, at most `MAX_TRACKED_KEYS` per table. */
  readonly trackedKeys: number;
  readonly freshColdOpensAvoided: number;
  readonly missEmptyPool: number;
  readonly missNoMatchingKey: number;
  readonly lastKeyMissReason: string | null;
  readonly refusalReason: string | null;
  readonly evictions: number;
  readonly quarantinedKeys: number;
  readonly quarantineRejections: number;
  readonly leasesGranted: number;
  readonly leasesReleased: number;
  readonly concurrentColdOpensObserved: number;
  /** Spare workers started in the background (`spares`). */
  readonly spareStarts: number;
  /** Used-up workers whose replacement was started in the background (`replaceInBackground`). */
  readonly backgroundReplacements: number;
  /** Leases served by a spare or replacement at its first lease: imports no caller waited for. */
  readonly backgroundStartsUsed: number;
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
  const entries = a.workers;
  let last: { [k: string]: unknown } = {};
  for (const { stats: e } of entries) {
    last = {
      lastRestartReason: e.lastRestartReason ?? last.lastRestartReason ?? null,
      lastImportStats: e.lastImportStats ?? last.lastImportStats ?? null,
      lastSpawnHandshakeMs: e.lastSpawnHandshakeMs ?? last.lastSpawnHandshakeMs ?? null,
      lastSessionOpenImportMs: e.lastSessionOpenMs ?? last.lastSessionOpenImportMs ?? null,
      lastFirstCommandMs: e.lastFirstCommandMs ?? last.lastFirstCommandMs ?? null,
      lastWarmCommandMs: e.lastWarmCommandMs ?? last.lastWarmCommandMs ?? null,
    };
  }
  const figures = a.memory;
  const c = a;
  return {
    ...a.totals,
    maxWorkers: options.maxWorkers,
    workers: entries.length,
    exitingWorkers: a.exitingWorkers,
    activeWorkers: entries.filter((e) => e.state === 'leased').length,
    idleWorkers: entries.filter((e) => e.state === 'idle').length,
    startingWorkers: a.startingWorkers,
    queueDepth: a.queueDepth,
    queueWaitP50Ms: percentile(a.queueWaits, 50),
    queueWaitP99Ms: percentile(a.queueWaits, 99),
    queueTimeouts: c.queueTimeouts,
    queueFullRejections: c.queueFullRejections,
    queueAborts: c.queueAborts,
    memoryBudgetRejections: c.memoryBudgetRejections,
    coldOpenAttempts: c.coldOpenAttempts,
    coldOpenAdmitted: c.coldOpenAdmitted,
    coldOpenRefusals: c.coldOpenRefusals,
    keyHits: c.keyHits,
    keyMisses: c.keyMisses,
    distinctKeysSeen: a.distinctKeysSeen,
    trackedKeys: a.trackedKeys,
    freshColdOpensAvoided: c.keyHits,
    missEmptyPool: c.missEmptyPool,
    missNoMatchingKey: c.missNoMatchingKey,
    lastKeyMissReason: a.lastKeyMissReason,
    refusalReason: a.refusalReason,
    evictions: c.evictions,
    quarantinedKeys: a.quarantinedKeys,
    quarantineRejections: c.quarantineRejections,
    leasesGranted: c.leasesGranted,
    leasesReleased: c.leasesReleased,
    concurrentColdOpensObserved: c.concurrentColdOpensObserved,
    spareStarts: c.spareStarts,
    backgroundReplacements: c.backgroundReplacements,
    backgroundStartsUsed: c.backgroundStartsUsed,
    lastRestartReason: (last.lastRestartReason as string | null) ?? null,
    lastImportStats: last.lastImportStats ?? null,
    lastSpawnHandshakeMs: (last.lastSpawnHandshakeMs as number | null) ?? null,
    lastSessionOpenImportMs: (last.lastSessionOpenImportMs as number | null) ?? null,
    lastFirstCommandMs: (last.lastFirstCommandMs as number | null) ?? null,
    lastWarmCommandMs: (last.lastWarmCommandMs as number | null) ?? null,
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
      learnedKeys: a.learnedKeys,
      system: a.system,
      parentRssKib: Math.round(process.memoryUsage.rss() / 1024),
    },
    closed,
  };
}
