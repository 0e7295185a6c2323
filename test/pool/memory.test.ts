import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { echo, eventually, makePool, rejection, source, tick } from './helpers.js';

const OPEN_KIB = 60 * 1024;
const heavy = (key: string) => source([key], [`--open-kib=${OPEN_KIB}`]);

describe('memory-aware admission', () => {
  it('learns a key cost and refuses or queues a cold open that would pass the budget', async () => {
    // Measure what one worker with a 60 MiB session costs in this environment.
    const probe = makePool({ maxWorkers: 1 });
    (await probe.acquireLease(heavy('P'))).release();
    const one = probe.snapshot().memory;
    expect(one.learnedKeys).toBe(1);
    expect(one.privateSumKib).toBeGreaterThanOrEqual(OPEN_KIB);
    await probe.destroy();

    // Room for one such worker and half of another.
    const limitKib = one.decisionTotalKib + Math.round(one.privateSumKib / 2);
    const pool = makePool({ maxWorkers: 3, maxTotalChildMemoryKib: limitKib, memorySampleIntervalMs: 50 });
    const totals: number[] = [];
    const watch = setInterval(() => totals.push(pool.snapshot().memory.decisionTotalKib), 20);
    try {
      const a = await pool.acquireLease(heavy('A'));
      expect(pool.snapshot().memory.learnedKeys).toBe(1);

      const refused = await rejection(
        pool.acquireLease(heavy('B'), { timeoutMs: 0 }),
        ErrorCode.MEMORY_BUDGET,
      );
      expect(refused.facts.limitKib).toBe(limitKib);
      expect(refused.facts.predictedKib as number).toBeGreaterThanOrEqual(OPEN_KIB);
      expect(refused.facts.currentKib as number).toBeGreaterThan(0);
      expect((refused.facts.currentKib as number) + (refused.facts.predictedKib as number)).toBeGreaterThan(
        limitKib,
      );
      expect(pool.snapshot()).toMatchObject({
        memoryBudgetRejections: 1,
        refusalReason: 'memory_budget',
        workers: 1,
      });

      // Queued instead: served once A is released (A's idle worker is evicted to make room).
      const queued = pool.acquireLease(heavy('B'));
      await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
      expect(pool.snapshot().workers).toBe(1);
      a.release();
      const b = await queued;
      expect(await b.runJsonCommand(echo, { x: 1 })).toEqual({ echo: { x: 1 } });
      expect(pool.snapshot()).toMatchObject({ evictions: 1, workers: 1 });
      b.release();
    } finally {
      clearInterval(watch);
    }
    const predicted = one.privateSumKib;
    for (const total of totals) expect(total).toBeLessThanOrEqual(limitKib + predicted);
  });

  it('keeps a queued acquire waiting while an idle worker is too small to make room for it', async () => {
    // Learn what a heavy and a light worker cost here.
    const probe = makePool({ maxWorkers: 2 });
    (await probe.acquireLease(heavy('P'))).release();
    const heavyKib = probe.snapshot().memory.decisionTotalKib;
    await probe.destroy();
    const lightProbe = makePool({ maxWorkers: 1 });
    (await lightProbe.acquireLease(source(['L']))).release();
    const lightPrivateKib = lightProbe.snapshot().memory.privateSumKib;
    await lightProbe.destroy();
    expect(heavyKib).toBeGreaterThan(lightPrivateKib + OPEN_KIB);

    // Room for one heavy and one light worker (the shared file pages count once), never for two
    // heavy ones.
    const pool = makePool({ maxWorkers: 4, maxTotalChildMemoryKib: heavyKib + 2 * lightPrivateKib });
    // Teach the pool every key's cost: L, then H2 (fits next to L), then H1, which only fits by
    // evicting H2, not the older but too small L.
    (await pool.acquireLease(source(['L']))).release();
    (await pool.acquireLease(heavy('H2'))).release();
    const h1 = await pool.acquireLease(heavy('H1'));
    expect(pool.snapshot()).toMatchObject({ evictions: 1, workers: 2 });
    (await pool.acquireLease(source(['L']))).release();
    const queued = pool.acquireLease(heavy('H2'));
    let settled = false;
    void queued.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
    // Releasing the light worker again wakes the queue; evicting it cannot make room for H2.
    (await pool.acquireLease(source(['L']))).release();
    await tick(100);
    expect(settled).toBe(false);
    expect(pool.snapshot()).toMatchObject({ queueDepth: 1, memoryBudgetRejections: 0 });
    h1.release();
    const h2 = await queued;
    expect(await h2.runJsonCommand(echo, { x: 3 })).toEqual({ echo: { x: 3 } });
    h2.release();
  });

  it('never deadlocks with every worker idle and the budget passed: it evicts as many as needed', async () => {
    const probe = makePool({ maxWorkers: 1 });
    (await probe.acquireLease(heavy('P'))).release();
    const { privateSumKib, sharedFileKib } = probe.snapshot().memory;
    await probe.destroy();
    // Three workers fit; predictions start at zero, so the first opens can overshoot to four.
    const pool = makePool({
      maxWorkers: 4,
      maxTotalChildMemoryKib: Math.round(sharedFileKib + 3.5 * privateSumKib),
      memorySampleIntervalMs: 50,
    });
    const keys = [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 1, 2];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < keys.length) {
          const i = next++;
          const lease = await pool.acquireLease(heavy(`K${keys[i]}`));
          try {
            expect(await lease.runJsonCommand(echo, { x: i })).toEqual({ echo: { x: i } });
          } finally {
            lease.release();
          }
        }
      }),
    );
    expect(pool.snapshot()).toMatchObject({ memoryBudgetRejections: 0, queueTimeouts: 0, queueDepth: 0 });
  });

  it('cycles a worker over its memory ceiling and invalidates the lease without running the command', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { memoryCeilingKib: 40 * 1024 } });
    const lease = await pool.acquireLease(heavy('A'));
    const error = await rejection(lease.runJsonCommand(echo, { x: 1 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBe('memory_ceiling');
    expect(error.facts.limitKib).toBe(40 * 1024);
    expect(error.facts.currentKib as number).toBeGreaterThanOrEqual(40 * 1024);
    expect(lease.isValid).toBe(false);
    expect(pool.snapshot().requests).toBe(0);
    await eventually(() => expect(pool.snapshot()).toMatchObject({ memoryRestarts: 1, policyRestarts: 1 }));
    expect(pool.snapshot().lastRestartReason).toBe('memory_ceiling');
  });
});
