/**
 * The demo's machine-readable result: every number the demo reports, named. Built once at the end
 * of a run from the live state, the final pool snapshot and the memory peaks.
 */
import os from 'node:os';
import type { LeanWorkerPlannedBatch } from '../src/planner/batch.js';
import type { LeanWorkerPoolSnapshot } from '../src/pool/snapshot.js';
import type { MemoryPeaks } from './memory.js';
import type { DemoOptions } from './options.js';
import type { ReadinessResult } from './readiness.js';
import type { DemoFailure, DemoState, Recovery } from './state.js';

/** The demo's machine-readable result. */
export interface DemoResult {
  ok: boolean;
  mode: 'fixture' | 'real';
  platform: { node: string; nproc: number; cpu: string; loadAverage1m: number };
  project: { root: string; generated: boolean; prepareMs: number; modules: number };
  plan: { batches: number; batchesRun: number; modules: number; planMs: number; largestBatch: number };
  workers: number;
  readiness: ReadinessResult;
  rows: {
    total: number;
    perStream: Record<string, number>;
    perCommand: Record<string, { streams: number; rows: number }>;
    received: number;
    tentativeDiscarded: number;
  };
  streams: { succeeded: number; failed: number };
  diagnostics: { total: number; perCode: Record<string, number> };
  progressEvents: number;
  coverage: { batches: number; modules: number };
  elapsedMs: number;
  /** Committed rows over the wall-clock time of the whole run (spawns and imports included). */
  rowsPerSecond: number;
  /** Rows received over the time streams were running, summed over workers (per worker). */
  streamRowsPerSecond: number;
  queueWaits: {
    acquires: number;
    meanMs: number;
    maxMs: number;
    poolP50Ms: number | null;
    poolP99Ms: number | null;
  };
  restarts: { total: number; timeout: number; cancelled: number; crash: number; policy: number };
  recoveries: Recovery[];
  failures: DemoFailure[];
  /** Peaks by measure; per slot: each lease slot holds one worker at a time. */
  memory: MemoryPeaks & { perSlotPeakPrivateKib: number[] };
  snapshot: LeanWorkerPoolSnapshot;
  close: { workers: number; leasesOutstanding: number; elapsedMs: number };
}

/** What a finished run hands to {@link buildResult}. */
export interface RunFacts {
  readonly options: DemoOptions;
  readonly fixture: boolean;
  readonly project: DemoResult['project'];
  /** Batches the planner produced (before `--max-batches`). */
  readonly planned: number;
  readonly batches: readonly LeanWorkerPlannedBatch[];
  readonly planMs: number;
  readonly state: DemoState;
  readonly readiness: ReadinessResult;
  /** Failures the run meant to inject. */
  readonly injected: number;
  readonly snapshot: LeanWorkerPoolSnapshot;
  readonly memory: MemoryPeaks;
  readonly close: DemoResult['close'];
}

/** Assemble the result; `ok` only when every batch was covered and every injected failure recovered. */
export function buildResult(facts: RunFacts): DemoResult {
  const { options, fixture, project, batches, planMs, state, readiness, injected, snapshot, memory, close } =
    facts;
  const moduleCount = batches.reduce((n, b) => n + b.modules.length, 0);
  const elapsedMs = Math.round(state.elapsedMs);
  const waits = state.acquireWaitsMs;
  const recovered =
    state.recoveries.length === injected &&
    state.recoveries.every((r) => r.code === r.expectedCode && r.recoveredMs !== null);
  return {
    ok: state.failures.length === 0 && recovered && state.coveredBatches.size === batches.length,
    mode: fixture ? 'fixture' : 'real',
    platform: {
      node: process.version,
      nproc: os.availableParallelism(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    },
    project,
    plan: {
      batches: facts.planned,
      batchesRun: batches.length,
      modules: moduleCount,
      planMs,
      largestBatch: Math.max(0, ...batches.map((b) => b.modules.length)),
    },
    workers: options.workers,
    readiness,
    rows: {
      total: state.committedRows,
      perStream: { ...state.perStream },
      perCommand: structuredClone(state.perCommand),
      received: state.liveRows,
      tentativeDiscarded: state.tentativeRowsDiscarded,
    },
    streams: { succeeded: state.streamsSucceeded, failed: state.streamsFailed },
    diagnostics: { total: state.diagnostics, perCode: { ...state.diagnosticCodes } },
    progressEvents: state.progressEvents,
    coverage: { batches: state.coveredBatches.size, modules: state.modulesCovered },
    elapsedMs,
    rowsPerSecond: Math.round(state.committedRows / Math.max(0.001, elapsedMs / 1000)),
    streamRowsPerSecond: Math.round(state.liveRows / Math.max(0.001, snapshot.streamElapsedMs / 1000)),
    queueWaits: {
      acquires: waits.length,
      meanMs: Math.round(waits.reduce((a, b) => a + b, 0) / Math.max(1, waits.length)),
      maxMs: Math.round(Math.max(0, ...waits)),
      poolP50Ms: snapshot.queueWaitP50Ms === null ? null : Math.round(snapshot.queueWaitP50Ms),
      poolP99Ms: snapshot.queueWaitP99Ms === null ? null : Math.round(snapshot.queueWaitP99Ms),
    },
    restarts: {
      total: snapshot.workerRestarts,
      timeout: snapshot.timeoutRestarts,
      cancelled: snapshot.cancelledRestarts,
      crash: snapshot.crashRestarts,
      policy: snapshot.policyRestarts,
    },
    recoveries: state.recoveries,
    failures: state.failures,
    memory: { ...memory, perSlotPeakPrivateKib: state.lanes.map((l) => l.peakPrivateKib) },
    snapshot,
    close,
  };
}
