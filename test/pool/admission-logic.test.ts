/**
 * Admission on fake workers (no processes): the order waiters are served in, warm reuse, the
 * bound on bypasses of the oldest waiter, which idle worker is evicted, slots held until a child
 * is reaped, and per-key state bounded however many keys pass.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerSessionLease } from '../../src/lease.js';
import { MAX_TRACKED_KEYS } from '../../src/pool/bounded-map.js';
import { echo, fakePool, settle } from './fake-workers.js';
import { rejection } from './helpers.js';

/** Record the label of each acquire as it is served; the leases in the order served. */
function served(pool: ReturnType<typeof fakePool>) {
  const order: string[] = [];
  const leases: LeanWorkerSessionLease[] = [];
  const enqueue = (key: string, label = key) =>
    void pool.lease(key).then(
      (lease) => {
        order.push(label);
        leases.push(lease);
      },
      // Still queued when the test ends: refused by the close.
      () => {},
    );
  return { order, leases, enqueue };
}

describe('admission on fake workers', () => {
  it('reuses the least recently used idle worker of a key and counts a hit, not a cold open', async () => {
    const pool = fakePool({ maxWorkers: 3 });
    const a1 = await pool.lease('A');
    const a2 = await pool.lease('A');
    a2.release();
    a1.release();
    const again = await pool.lease('A');
    // a2's worker was released first, so it was used least recently.
    expect(pool.of('A')[1]?.requests).toHaveLength(0);
    await again.runJsonCommand(echo, { x: 1 });
    expect(pool.of('A')[1]?.requests).toHaveLength(1);
    expect(pool.snapshot()).toMatchObject({
      keyHits: 1,
      keyMisses: 2,
      coldOpenAttempts: 2,
      coldOpenAdmitted: 2,
      missEmptyPool: 1,
      missNoMatchingKey: 1,
      lastKeyMissReason: null,
      workers: 2,
      activeWorkers: 1,
      idleWorkers: 1,
    });
    expect(pool.starts()).toBe(2);
  });

  it('serves waiters of keys without a warm worker first come, first served', async () => {
    const pool = fakePool({ maxWorkers: 1 });
    const held = await pool.lease('A');
    const { order, leases, enqueue } = served(pool);
    for (const key of ['B', 'C', 'D']) enqueue(key);
    await settle();
    expect(pool.snapshot().queueDepth).toBe(3);
    held.release();
    for (const expected of ['B', 'C', 'D']) {
      await settle();
      expect(order.at(-1)).toBe(expected);
      leases.at(-1)?.release();
    }
    expect(pool.snapshot()).toMatchObject({ queueDepth: 0, evictions: 3, coldOpenAdmitted: 4 });
  });

  it('passes over the oldest waiter for warm ones at most maxWaiterBypasses times', async () => {
    const maxWaiterBypasses = 2;
    const pool = fakePool({ maxWorkers: 1, maxWaiterBypasses });
    const held = await pool.lease('A');
    const { order, leases, enqueue } = served(pool);
    enqueue('B');
    for (let i = 1; i <= 4; i++) enqueue('A', `A${i}`);
    await settle();
    held.release();
    while (!order.includes('B')) {
      await settle();
      leases.at(-1)?.release();
    }
    expect(order).toEqual(['A1', 'A2', 'B']);
    expect(order.indexOf('B')).toBe(maxWaiterBypasses);
    // With no bypass allowed, the oldest waiter goes first.
    const strict = fakePool({ maxWorkers: 1, maxWaiterBypasses: 0 });
    const first = await strict.lease('A');
    const s = served(strict);
    s.enqueue('B');
    s.enqueue('A', 'A1');
    await settle();
    first.release();
    await settle();
    expect(s.order).toEqual(['B']);
  });

  it('evicts the least recently used idle worker of another key for a cold one', async () => {
    const pool = fakePool({ maxWorkers: 2 });
    const [a, b] = await Promise.all([pool.lease('A'), pool.lease('B')]);
    a.release();
    b.release();
    const c = await pool.lease('C');
    expect(pool.of('A')[0]?.shutdowns).toEqual(['graceful']);
    expect(pool.of('B')[0]?.closed).toBe(false);
    expect(pool.snapshot()).toMatchObject({ evictions: 1, workers: 2, distinctKeysSeen: 3 });
    c.release();
  });

  it.each([
    ['lru', 'HOT'],
    ['cost', 'ONCE'],
  ] as const)(
    'with eviction %s, a cold open evicts %s of a hot key and a one-off used since',
    async (eviction, evicted) => {
      const pool = fakePool({ maxWorkers: 2, eviction });
      for (let i = 0; i < 5; i++) (await pool.lease('HOT')).release();
      (await pool.lease('ONCE')).release();
      const c = await pool.lease('NEW');
      const kept = evicted === 'HOT' ? 'ONCE' : 'HOT';
      expect(pool.of(evicted)[0]?.shutdowns).toEqual(['graceful']);
      expect(pool.of(kept)[0]?.closed).toBe(false);
      expect(pool.snapshot()).toMatchObject({ evictions: 1, workers: 2 });
      c.release();
    },
  );

  it('evicts the idle worker whose room suffices, not an older one too small to make room', async () => {
    const keys = { L: { privateKib: 100 }, H1: { privateKib: 1_000 }, H2: { privateKib: 1_000 } };
    const pool = fakePool({ maxWorkers: 4, maxTotalChildMemoryKib: 1_200 }, keys);
    (await pool.lease('L')).release();
    (await pool.lease('H2')).release();
    const h1 = await pool.lease('H1');
    expect(pool.of('H2')[0]?.closed).toBe(true);
    expect(pool.of('L')[0]?.closed).toBe(false);
    expect(pool.snapshot()).toMatchObject({ evictions: 1, workers: 2, memoryBudgetRejections: 0 });
    h1.release();
  });

  it("holds an evicted worker's slot until its child is reaped", async () => {
    const pool = fakePool({ maxWorkers: 1 }, { A: { slowExit: true } });
    (await pool.lease('A')).release();
    const b = pool.lease('B');
    await settle();
    expect(pool.snapshot()).toMatchObject({
      exitingWorkers: 1,
      workers: 0,
      startingWorkers: 0,
      queueDepth: 1,
    });
    expect(pool.starts()).toBe(1);
    expect(pool.alive()).toBe(1);
    pool.of('A')[0]?.reap();
    (await b).release();
    expect(pool.snapshot()).toMatchObject({ exitingWorkers: 0, workers: 1, evictions: 1 });
    expect(pool.alive()).toBe(1);
  });

  it('refuses with POOL_EXHAUSTED at once when waiting is disabled and every slot is busy', async () => {
    const pool = fakePool({ maxWorkers: 1 });
    await pool.lease('A');
    const error = await rejection(pool.lease('B', 0), ErrorCode.POOL_EXHAUSTED);
    expect(error.code === ErrorCode.POOL_EXHAUSTED && error.facts.maxWorkers).toBe(1);
    expect(pool.snapshot()).toMatchObject({ refusalReason: 'max_workers', coldOpenRefusals: 1 });
  });

  it('keeps per-key state bounded however many keys pass, and still counts them', async () => {
    const pool = fakePool({ maxWorkers: 1, defaultWorkerCostKib: 1 }, {});
    const keys = MAX_TRACKED_KEYS + 200;
    for (let i = 0; i < keys; i++) (await pool.lease(`k${i}`)).release();
    const s = pool.snapshot();
    expect(s.distinctKeysSeen).toBe(keys);
    expect(s.trackedKeys).toBeLessThanOrEqual(MAX_TRACKED_KEYS);
    expect(s.memory.learnedKeys).toBeLessThanOrEqual(MAX_TRACKED_KEYS);
    expect(s).toMatchObject({ coldOpenAdmitted: keys, evictions: keys - 1, workers: 1 });
  });
});
