/**
 * The Prometheus exporter on a fresh registry: a real pool of the fixture child runs a stream and
 * a failing request, then a scrape shows workers by state, cold opens, key hits and misses, rows,
 * request outcomes by code and memory by measure, with the values the pool's snapshot has.
 */
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { LeanWorkerMetrics } from '../../src/prometheus/index.js';
import { crashAfter, makePool, rows, source } from '../pool/helpers.js';

/** The value of the sample `name{labels}` in a scrape, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = (m[2] ?? '').split(',').sort();
    if (JSON.stringify(got) === JSON.stringify(want)) return Number(m[3]);
  }
  return undefined;
}

describe('Prometheus exporter', () => {
  it('exports a pool on scrape: workers, cold opens, hits, rows, outcomes, memory', async () => {
    const registry = new Registry();
    const metrics = new LeanWorkerMetrics({ registry });
    onTestFinished(() => metrics.close());
    const pool = makePool({ maxWorkers: 2 });
    metrics.addPool(pool, 'p1');
    const src = source(['Prom']);
    for (let i = 0; i < 2; i++) {
      const lease = await pool.acquireLease(src);
      try {
        let n = 0;
        for await (const _ of lease.runStreamingCommand(rows, { count: 5 })) n += 1;
        expect(n).toBe(5);
      } finally {
        lease.release();
      }
    }
    const lease = await pool.acquireLease(src);
    const failing = lease.runStreamingCommand(crashAfter, { rows: 1 });
    let code: unknown;
    try {
      for await (const _ of failing) {
      }
      await failing.summary;
    } catch (error) {
      code = (error as { code?: string }).code;
    } finally {
      lease.release();
    }
    expect(code).toBeDefined();

    const text = await registry.metrics();
    const s = pool.snapshot();
    expect(sample(text, 'lean_worker_pool_cold_opens_total', { pool: 'p1', outcome: 'admitted' })).toBe(
      s.coldOpenAdmitted,
    );
    expect(s.coldOpenAdmitted).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lean_worker_pool_key_lookups_total', { pool: 'p1', result: 'hit' })).toBe(s.keyHits);
    expect(s.keyHits).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'lean_worker_pool_rows_total', { pool: 'p1' })).toBe(s.dataRowsDelivered);
    expect(s.dataRowsDelivered).toBeGreaterThanOrEqual(10);
    expect(sample(text, 'lean_worker_pool_requests_total', { pool: 'p1', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'lean_worker_pool_requests_total', { pool: 'p1', outcome: String(code) })).toBe(1);
    const states = ['active', 'idle', 'starting', 'exiting'].map(
      (state) => sample(text, 'lean_worker_pool_workers', { pool: 'p1', state }) ?? -1,
    );
    expect(states.every((v) => v >= 0)).toBe(true);
    expect(sample(text, 'lean_worker_pool_max_workers', { pool: 'p1' })).toBe(2);
    expect(
      sample(text, 'lean_worker_pool_memory_bytes', { pool: 'p1', measure: 'parent_rss' }),
    ).toBeGreaterThan(0);
    expect(sample(text, 'lean_worker_pool_restarts_total', { pool: 'p1', reason: 'crash' })).toBe(
      pool.snapshot().crashRestarts,
    );
    expect(text).toContain('# TYPE lean_worker_pool_restarts_total counter');

    // Collected on scrape: a later stream shows in the next scrape.
    const again = await pool.acquireLease(src);
    try {
      for await (const _ of again.runStreamingCommand(rows, { count: 3 })) {
      }
    } finally {
      again.release();
    }
    const later = await registry.metrics();
    expect(sample(later, 'lean_worker_pool_rows_total', { pool: 'p1' })).toBe(
      pool.snapshot().dataRowsDelivered,
    );
    expect(sample(later, 'lean_worker_pool_requests_total', { pool: 'p1', outcome: 'ok' })).toBe(3);
  });
});
