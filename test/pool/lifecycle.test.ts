import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { echo, eventually, hang, listen, makePool, rejection, rows, source } from './helpers.js';

const SNAPSHOT_FIELDS = [
  'requests',
  'imports',
  'workerRestarts',
  'maxRequestRestarts',
  'maxImportRestarts',
  'memoryRestarts',
  'idleRestarts',
  'cancelledRestarts',
  'timeoutRestarts',
  'crashRestarts',
  'protocolRestarts',
  'explicitCycles',
  'policyRestarts',
  'replacementAttempts',
  'replacementSuccesses',
  'replacementFailures',
  'replacementAbandoned',
  'importLikeRequests',
  'streamRequests',
  'streamSuccesses',
  'streamFailures',
  'dataRowsDelivered',
  'dataRowPayloadBytes',
  'streamElapsedMs',
  'backpressureWaits',
  'backpressureFailures',
  'memorySamplesUnavailable',
  'maxWorkers',
  'workers',
  'activeWorkers',
  'idleWorkers',
  'startingWorkers',
  'exitingWorkers',
  'queueDepth',
  'queueWaitP50Ms',
  'queueWaitP99Ms',
  'queueTimeouts',
  'queueFullRejections',
  'queueAborts',
  'memoryBudgetRejections',
  'coldOpenAttempts',
  'coldOpenAdmitted',
  'coldOpenRefusals',
  'keyHits',
  'keyMisses',
  'distinctKeysSeen',
  'trackedKeys',
  'freshColdOpensAvoided',
  'missEmptyPool',
  'missNoMatchingKey',
  'lastKeyMissReason',
  'refusalReason',
  'evictions',
  'quarantinedKeys',
  'quarantineRejections',
  'leasesGranted',
  'leasesReleased',
  'concurrentColdOpensObserved',
  'spareStarts',
  'backgroundReplacements',
  'backgroundStartsUsed',
  'lastRestartReason',
  'lastImportStats',
  'lastSpawnHandshakeMs',
  'lastSessionOpenImportMs',
  'lastFirstCommandMs',
  'lastWarmCommandMs',
  'memory',
  'closed',
];
const MEMORY_FIELDS = [
  'measure',
  'budgetKib',
  'decisionTotalKib',
  'privateSumKib',
  'sharedFileKib',
  'rssSumKib',
  'pssSumKib',
  'samplesUnavailable',
  'workersReading',
  'learnedKeys',
  'system',
  'parentRssKib',
];

function keysDeep(value: unknown, into: string[] = []): string[] {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      into.push(k);
      keysDeep(v, into);
    }
  }
  return into;
}

describe('pool lifecycle and observability', () => {
  it('has every snapshot field and no pid; events are published on diagnostics channels', async () => {
    const events = listen([
      'lease-granted',
      'lease-released',
      'eviction',
      'admission-refused',
      'generation-started',
      'terminal-outcome',
    ]);
    const pool = makePool({ maxWorkers: 1 });
    const a = await pool.acquireLease(source(['A']));
    const { rows: got, summary } = await a.runStreamingCommand(rows, { count: 50 }).collect();
    expect(got).toHaveLength(50);
    expect(summary.metadata).toEqual({ ok: true, rows: 50 });
    await rejection(pool.acquireLease(source(['A']), { timeoutMs: 0 }), ErrorCode.POOL_EXHAUSTED);
    a.release();
    const b = await pool.acquireLease(source(['B']));
    await b.runJsonCommand(echo, { x: 1 });
    b.release();

    const snap = pool.snapshot();
    expect(Object.keys(snap).sort()).toEqual([...SNAPSHOT_FIELDS].sort());
    expect(Object.keys(snap.memory).sort()).toEqual([...MEMORY_FIELDS].sort());
    expect(keysDeep(snap).some((k) => /pid/i.test(k))).toBe(false);
    expect(snap).toMatchObject({ dataRowsDelivered: 50, streamSuccesses: 1, evictions: 1, leasesGranted: 2 });

    for (const name of [
      'lease-granted',
      'lease-released',
      'eviction',
      'admission-refused',
      'generation-started',
    ]) {
      expect(events.get(name as never)?.length, name).toBeGreaterThanOrEqual(1);
    }
    await eventually(() => expect(events.get('terminal-outcome')?.length).toBeGreaterThanOrEqual(2));
    expect(events.get('lease-granted')).toHaveLength(2);
    expect(events.get('lease-released')).toHaveLength(2);
    expect(events.get('eviction')?.[0]).toMatchObject({
      key: expect.any(String),
      forKey: expect.any(String),
    });
    expect(events.get('admission-refused')?.[0]).toMatchObject({ reason: 'max_workers' });
    expect(events.get('generation-started')?.[0]).toMatchObject({ workerVersion: expect.any(String) });
    expect(events.get('generation-started')?.[0]?.workerVersion).not.toBe('unknown');
    expect(keysDeep([...events.values()]).some((k) => /pid/i.test(k))).toBe(false);
  });

  it('close() rejects waiters with POOL_CLOSED, waits for running leases and reports', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const waiter = pool.acquireLease(source(['A']));
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
    let closedAt: number | null = null;
    const closing = pool.close().then((report) => {
      closedAt = performance.now();
      return report;
    });
    await rejection(waiter, ErrorCode.POOL_CLOSED);
    await rejection(pool.acquireLease(source(['A'])), ErrorCode.POOL_CLOSED);
    // The running lease still works and close has not finished.
    expect(await lease.runJsonCommand(echo, { x: 9 })).toEqual({ echo: { x: 9 } });
    expect(closedAt).toBeNull();
    const releasedAt = performance.now();
    lease.release();
    const report = await closing;
    expect(closedAt as unknown as number).toBeGreaterThanOrEqual(releasedAt);
    expect(report).toMatchObject({ workers: 1, leasesOutstanding: 0 });
    expect(Object.values(report.outcomes).reduce((s, n) => s + n, 0)).toBe(1);
    expect(pool.snapshot().closed).toBe(true);
  });

  it('destroy() kills running work at once', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const stream = lease.runStreamingCommand(hang, {}, { timeoutMs: 60_000 });
    const settled = stream.summary.then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );
    const report = await pool.destroy();
    expect(report).toMatchObject({ workers: 1, leasesOutstanding: 1 });
    expect(Object.keys(report.outcomes).every((o) => o !== 'graceful')).toBe(true);
    expect(await settled).not.toBe('ok');
  });

  it('delivers every row of a stream consumed in another worker thread', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const count = 3_000;
    const stream = lease.runStreamingCommand(rows, { count });
    const port = stream.transferPort();
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'row-port-worker.mjs');
    const worker = new Worker(script, { workerData: { port }, transferList: [port] });
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(result).toEqual({ count, ordered: true, ok: true, rows: count });
    const summary = await stream.summary;
    expect(summary.totalRows).toBe(count);
    await eventually(() => expect(pool.snapshot().dataRowsDelivered).toBe(count));
  });
});
