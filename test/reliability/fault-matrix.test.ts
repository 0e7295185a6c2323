/**
 * The fault matrix, run through the pool: every child fault at every phase where it applies
 * (before the handshake, idle, in flight, mid-stream after rows). For each: the typed error code,
 * rows already delivered stay tentative (the summary rejects), a concurrent lease on another
 * worker keeps being served, the replacement worker answers, the pool counters add up, and
 * afterwards no marked process, thread, MessagePort or file descriptor is left.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import type { LeanWorkerSessionLease } from '../../src/lease.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import type { LeanWorkerPoolSnapshot } from '../../src/pool/snapshot.js';
import type { LeanWorkerStream } from '../../src/stream/lean-worker-stream.js';
import { eventually } from '../helpers/proc.js';
import { rejection } from '../pool/helpers.js';
import { type Expectation, FAULT_CASES, type FaultCase } from './fault-table.js';
import { leftBehind, markedProcesses, type ResourceCounts, resourceCounts } from './resources.js';
import { arm, faultSource, healthySource } from './sources.js';

/** Per-command deadlines of the faulting request: idle (no frame) and total. */
const DEADLINES = { timeoutMs: 1_200, idleTimeoutMs: 600 };
/** Deadlines for faults that take seconds by design; idle off. */
const SLOW_DEADLINES = { timeoutMs: 30_000 };

function newPool(): LeanWorkerPool {
  return new LeanWorkerPool({
    maxWorkers: 2,
    queueWaitTimeoutMs: 10_000,
    memorySampleIntervalMs: 60_000,
    policy: { restartBackoffBaseMs: 0, restartBackoffMaxMs: 0 },
  });
}

/** Read a stream to its end: rows read and the typed failure, if any. */
async function observe(stream: LeanWorkerStream) {
  let rows = 0;
  let error: LeanWorkerError | null = null;
  try {
    for await (const _row of stream) {
      rows += 1;
    }
  } catch (caught) {
    expect(caught).toBeInstanceOf(LeanWorkerError);
    error = caught as LeanWorkerError;
  }
  return { rows, error };
}

async function untilInvalid(lease: LeanWorkerSessionLease): Promise<void> {
  expect(await eventually(() => !lease.isValid, 5_000), 'the lease stayed valid').toBe(true);
}

/** Drive the fault at its phase and check what the caller sees; returns the rows consumed. */
async function exercise(pool: LeanWorkerPool, faulty: LeanWorkerSource, c: FaultCase) {
  const { phase, expect: e } = c;
  const deadlines = c.slow || c.quiet ? SLOW_DEADLINES : DEADLINES;
  if (phase === 'handshake') {
    if (e.kind === 'start-fails') {
      await rejection(pool.acquireLease(faulty), e.code);
      return 0;
    }
    return pool.withLease(
      faulty,
      async (lease) => (await lease.runDataStream('rows', {}).collect()).rows.length,
    );
  }
  const lease = await pool.acquireLease(faulty);
  try {
    if (phase === 'idle') {
      await lease.runJsonCommand(arm, {});
      if (e.kind === 'idle-restart') {
        await untilInvalid(lease);
        await rejection(lease.runJsonCommand(arm, {}), ErrorCode.LEASE_INVALIDATED);
        return 0;
      }
      if (e.kind === 'next-request-fails') {
        await new Promise((resolve) => setTimeout(resolve, 60));
        const stream = lease.runDataStream('rows', {}, deadlines);
        const result = await observe(stream);
        expect(result.error?.code).toBe(e.code);
        await stream.summary.catch(() => undefined);
        expect(lease.isValid).toBe(false);
        return result.rows;
      }
      const result = await observe(lease.runDataStream('rows', { count: 4 }));
      expect(result.error).toBeNull();
      expect(lease.isValid).toBe(true);
      return result.rows;
    }
    const before = phase === 'midstream' ? 2 : 0;
    const stream = lease.runDataStream('fault', {}, deadlines);
    const result = await observe(stream);
    expect(result.rows).toBe(before);
    if (e.kind === 'request-fails') {
      // The rows already read stay tentative: the iterator and the summary both fail.
      expect(result.error?.code).toBe(e.code);
      const summaryError = await stream.summary.then(
        () => null,
        (error: LeanWorkerError) => error,
      );
      expect(summaryError?.code).toBe(e.code);
      expect(lease.isValid).toBe(false);
      return result.rows;
    }
    expect(result.error).toBeNull();
    expect((await stream.summary).totalRows).toBe(before);
    if (e.kind === 'succeeds-then-restart') await untilInvalid(lease);
    else expect(lease.isValid).toBe(true);
    return result.rows;
  } finally {
    lease.release();
  }
}

function checkCounters(s: LeanWorkerPoolSnapshot, e: Expectation, rowsSeen: number): void {
  expect(s.leasesGranted).toBe(s.leasesReleased);
  expect(s.activeWorkers).toBe(0);
  expect(s.queueDepth).toBe(0);
  expect(s.streamRequests).toBe(s.streamSuccesses + s.streamFailures);
  expect(s.dataRowsDelivered).toBe(rowsSeen);
  expect(s.replacementSuccesses + s.replacementFailures).toBe(s.replacementAttempts);
  expect(s.workerRestarts).toBe(s.replacementAttempts);
  if (e.kind === 'harmless' || e.kind === 'start-fails') {
    expect(s.workerRestarts).toBe(0);
  } else {
    expect(s.workerRestarts).toBeGreaterThanOrEqual(1);
    expect(s.replacementSuccesses).toBe(s.workerRestarts);
  }
  if ('counter' in e) expect(s[e.counter]).toBeGreaterThanOrEqual(1);
  if (e.kind === 'succeeds-then-restart') expect(s.protocolRestarts).toBeGreaterThanOrEqual(1);
  if (e.kind === 'request-fails') expect(s.streamFailures).toBe(1);
}

async function runCase(c: FaultCase, dir: string): Promise<void> {
  const mark = randomUUID();
  const pool = newPool();
  let rowsSeen = 0;
  try {
    const healthy = await pool.acquireLease(healthySource(mark));
    const background = healthy.runDataStream('rows', { count: 300 }).collect();
    // A start that is not the fault under test gets room for a loaded machine; a fault at the
    // handshake keeps the short startup deadline so a hang there is caught quickly.
    const launch = c.slow
      ? { startupTimeoutMs: 30_000, requestTimeoutMs: 30_000 }
      : c.phase === 'handshake'
        ? {}
        : { startupTimeoutMs: 10_000 };
    const faulty = faultSource(c.fault, c.phase, mark, path.join(dir, mark), launch);
    rowsSeen += await exercise(pool, faulty, c);
    // The other lease was served throughout and still is.
    expect((await background).rows).toHaveLength(300);
    expect((await healthy.runDataStream('rows', { count: 3 }).collect()).rows).toHaveLength(3);
    healthy.release();
    rowsSeen += 303;
    // The worker that replaced the faulty one (or the next start) answers.
    const again = await pool.withLease(faulty, (lease) =>
      lease.runDataStream('rows', { count: 5 }).collect(),
    );
    expect(again.summary.totalRows).toBe(5);
    rowsSeen += again.rows.length;
    checkCounters(pool.snapshot(), c.expect, rowsSeen);
  } finally {
    await pool.destroy();
  }
  // Nothing this case started runs any more (children and grandchildren carry the mark).
  expect(await eventually(() => markedProcesses(mark).length === 0, 3_000)).toBe(true);
}

describe('fault matrix through the pool', () => {
  let baseline: ResourceCounts;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lwp-matrix-'));
    // Warm up every path once so lazily created threads and handles are part of the baseline.
    const mark = randomUUID();
    const pool = newPool();
    try {
      await pool.withLease(healthySource(mark), (lease) => lease.runDataStream('rows', {}).collect());
    } finally {
      await pool.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    baseline = resourceCounts();
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    // Every pool is destroyed: threads, ports and descriptors are back where they started.
    expect(await leftBehind('none', baseline, 5_000)).toBeNull();
  });

  // Cases are independent (own pool, own marker) and mostly wait on children, so they overlap.
  it.concurrent.each(FAULT_CASES)('$fault at $phase: $expect.kind', async (c) => {
    await runCase(c, dir);
  });
});
