/**
 * The hard memory budget on fake workers: an evicted worker's memory counts until its child is
 * reaped, so the start it made room for never overlaps its exit; a key with no learned cost is
 * no blank cheque; ten keys acquired at once under a tight budget are each served or refused with
 * a typed error, and the modelled `/proc` peak never passes the budget.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import { MemoryGate } from '../../src/pool/memory-gate.js';
import { parsePoolOptions } from '../../src/pool/options.js';
import type { SystemMemory } from '../../src/pool/system-memory.js';
import { echo, fakePool, settle } from './fake-workers.js';
import { rejection, tick } from './helpers.js';

const MIB = 1024;

describe('hard memory budget on fake workers', () => {
  it('starts the cold worker an eviction made room for only once the evicted child is reaped', async () => {
    const keys = { A: { privateKib: 1_000, slowExit: true }, B: { privateKib: 1_000 } };
    const pool = fakePool({ maxWorkers: 4, maxTotalChildMemoryKib: 1_500 }, keys);
    (await pool.lease('A')).release();
    const b = pool.lease('B');
    await settle();
    expect(pool.of('A')[0]?.shutdowns).toEqual(['graceful']);
    expect(pool.starts()).toBe(1);
    expect(pool.snapshot()).toMatchObject({ exitingWorkers: 1, queueDepth: 1, evictions: 1 });
    pool.of('A')[0]?.reap();
    (await b).release();
    expect(pool.starts()).toBe(2);
    expect(pool.memory.peakKib).toBeLessThanOrEqual(1_500);
  });

  it('counts one copy of the shared file pages even while no worker that shows them is live', async () => {
    const spec = { privateKib: 400, sharedKib: 300, startDelayMs: 20 };
    const keys = { A: spec, B: spec, C: spec, D: spec, E: spec };
    const pool = fakePool(
      { maxWorkers: 4, maxTotalChildMemoryKib: 1_700, policy: { quarantineMs: 1 } },
      keys,
    );
    (await pool.lease('A')).release();
    // A's worker leaves: nothing live shows the shared pages while B..E start.
    pool.of('A')[0]?.restartLimit();
    await settle();
    expect(pool.snapshot().workers).toBe(0);
    await Promise.all(
      ['B', 'C', 'D', 'E'].map(async (key) => {
        const lease = await pool.lease(key);
        await tick(5);
        lease.release();
      }),
    );
    expect(pool.memory.peakKib).toBeLessThanOrEqual(1_700);
    expect(pool.snapshot().concurrentColdOpensObserved).toBe(3);
  });

  it("learns a key's cost from its workers' background samples, not only the one after the open", async () => {
    const pool = fakePool(
      { maxWorkers: 3, maxTotalChildMemoryKib: 1_500, memorySampleIntervalMs: 10 },
      { A: { privateKib: 100 } },
    );
    pool.admission.startSampler();
    await pool.lease('A');
    const a = pool.of('A')[0];
    if (a) a.grownKib = 700;
    await tick(60);
    const error = await rejection(pool.lease('B', 0), ErrorCode.MEMORY_BUDGET);
    expect(error.facts).toMatchObject({ currentKib: 800, predictedKib: 800 });
  });

  it('lets one start of unknown cost run at a time under a budget, then predicts the largest cost learned', async () => {
    const keys = {
      X: { privateKib: 300, startDelayMs: 30 },
      Y: { privateKib: 200, startDelayMs: 30 },
      Z: { privateKib: 200, startDelayMs: 30 },
    };
    const pool = fakePool({ maxWorkers: 3, maxTotalChildMemoryKib: 1_000 }, keys);
    const all = Promise.all(['X', 'Y', 'Z'].map((key) => pool.lease(key)));
    await tick(10);
    expect(pool.snapshot().startingWorkers).toBe(1);
    const leases = await all;
    // After X taught 300 KiB, Y and Z were predicted at 300 each and started together.
    expect(pool.snapshot().concurrentColdOpensObserved).toBe(2);
    for (const lease of leases) lease.release();
  });

  it('starts keys of unknown cost together when no budget applies', async () => {
    const keys = { X: { startDelayMs: 20 }, Y: { startDelayMs: 20 } };
    const pool = fakePool({ maxWorkers: 2 }, keys);
    await Promise.all([pool.lease('X'), pool.lease('Y')]);
    expect(pool.snapshot().concurrentColdOpensObserved).toBe(2);
  });

  it('calls memory tight under a pool budget, a cgroup limit or little headroom, not on a roomy machine', () => {
    const gib = 1024 * 1024;
    const roomy: SystemMemory = {
      memAvailableKib: 20 * gib,
      cgroup: { version: 2, maxKib: null, currentKib: 0 },
      headroomKib: 20 * gib,
      reading: { machine: 'meminfo-cgroup', workers: 'proc' },
    };
    const gate = (options: Parameters<typeof parsePoolOptions>[0], system: SystemMemory | null) => {
      const g = new MemoryGate(parsePoolOptions(options));
      g.system = system;
      return g.tight;
    };
    expect(gate({}, roomy)).toBe(false);
    expect(gate({}, null)).toBe(false);
    expect(gate({ maxTotalChildMemoryKib: 100 * gib }, roomy)).toBe(true);
    const cgroup = { version: 2 as const, maxKib: 500 * 1024, currentKib: 0 };
    expect(gate({}, { ...roomy, cgroup, headroomKib: 500 * 1024 })).toBe(true);
    expect(gate({}, { ...roomy, headroomKib: 2 * gib })).toBe(true);
    expect(gate({ systemMemoryReserveKib: false }, { ...roomy, headroomKib: 2 * gib })).toBe(false);
  });

  it('uses a configured estimate for a key never opened instead of waiting to learn', async () => {
    const keys = { X: { privateKib: 300, startDelayMs: 20 }, Y: { privateKib: 300, startDelayMs: 20 } };
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_000, defaultWorkerCostKib: 400 }, keys);
    await Promise.all([pool.lease('X'), pool.lease('Y')]);
    expect(pool.snapshot().concurrentColdOpensObserved).toBe(2);
  });

  it('serves or refuses with a typed error ten keys acquired at once, the modelled peak within budget', async () => {
    const openKib = 64 * MIB;
    const budgetKib = 500 * MIB;
    const keys = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `K${i}`,
        { privateKib: openKib, startDelayMs: 5 + (i % 3) * 5, exitDelayMs: 10 },
      ]),
    );
    const pool = fakePool(
      { maxWorkers: 10, maxTotalChildMemoryKib: budgetKib, queueWaitTimeoutMs: 10_000 },
      keys,
    );
    const outcomes = await Promise.allSettled(
      Object.keys(keys).map(async (key, i) => {
        const lease = await pool.lease(key);
        try {
          expect(await lease.runJsonCommand(echo, { x: i })).toEqual({ x: i });
          await tick(5);
        } finally {
          lease.release();
        }
        // A second round over the same keys makes evictions contend with starts.
        const again = await pool.lease(`K${(i + 5) % 10}`);
        again.release();
      }),
    );
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(LeanWorkerError);
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled').length).toBe(10);
    expect(pool.memory.peakKib).toBeLessThanOrEqual(budgetKib);
    expect(pool.memory.peakKib).toBeGreaterThanOrEqual(6 * openKib);
    expect(pool.snapshot().memoryBudgetRejections).toBe(0);
  });
});
