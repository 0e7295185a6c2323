/**
 * Look-ahead admission on fake workers: between cold opens the key with the most waiters goes
 * first, under the bypass bound; a caller of a key whose worker is busy waits for it when that is
 * expected to be quicker than a cold open, and never longer than the open would have taken (counted
 * from when it began waiting for that worker); with
 * `maxEvictingStarts`, a start that must evict waits for the starts under way.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerSessionLease } from '../../src/lease.js';
import { HoldTimes, planFor } from '../../src/pool/admission-plan.js';
import { MemoryGate } from '../../src/pool/memory-gate.js';
import { parsePoolOptions } from '../../src/pool/options.js';
import { PoolWorker } from '../../src/pool/worker.js';
import { WorkerTable } from '../../src/pool/worker-table.js';
import { effectivePolicy } from '../../src/protocol/worker-policy.js';
import { FakeWorker, fakePool, fakeSource, settle } from './fake-workers.js';
import { eventually, rejection, tick } from './helpers.js';

function served(pool: ReturnType<typeof fakePool>) {
  const order: string[] = [];
  const leases: LeanWorkerSessionLease[] = [];
  const enqueue = (key: string, label = key) =>
    void pool.lease(key).then(
      (lease) => {
        order.push(label);
        leases.push(lease);
      },
      () => {},
    );
  return { order, leases, enqueue };
}

describe('look-ahead admission on fake workers', () => {
  it('opens first the key most waiters need, and still serves the first waiter within maxWaiterBypasses', async () => {
    const pool = fakePool({ maxWorkers: 1, maxWaiterBypasses: 2 });
    const held = await pool.lease('A');
    const { order, leases, enqueue } = served(pool);
    enqueue('B');
    for (let i = 1; i <= 4; i++) enqueue('C', `C${i}`);
    await settle();
    held.release();
    while (order.length < 5) {
      await settle();
      leases.at(-1)?.release();
    }
    // C serves four waiters with one import; B is passed over twice, then goes first.
    expect(order).toEqual(['C1', 'C2', 'B', 'C3', 'C4']);
    const s = pool.snapshot();
    expect(s.coldOpenAttempts).toBe(4);
    expect(s.keyHits).toBe(2);
  });

  it('with maxWaiterBypasses 0, serves waiters strictly in order however many wait for another key', async () => {
    const pool = fakePool({ maxWorkers: 1, maxWaiterBypasses: 0 });
    const held = await pool.lease('A');
    const { order, leases, enqueue } = served(pool);
    enqueue('B');
    for (let i = 1; i <= 3; i++) enqueue('C', `C${i}`);
    await settle();
    held.release();
    while (order.length < 4) {
      await settle();
      leases.at(-1)?.release();
    }
    expect(order).toEqual(['B', 'C1', 'C2', 'C3']);
  });

  it('waits for a busy worker of its key instead of a second import when leases are short and opens slow', async () => {
    const pool = fakePool({ maxWorkers: 2 }, { A: { startDelayMs: 200 } });
    // The pool learns that A takes 200 ms to open and that a lease is held about 0 ms.
    (await pool.lease('A')).release();
    const busy = await pool.lease('A');
    let second: LeanWorkerSessionLease | null = null;
    void pool.lease('A').then((lease) => {
      second = lease;
    });
    await tick(20);
    expect(pool.snapshot()).toMatchObject({ queueDepth: 1, startingWorkers: 0 });
    busy.release();
    await eventually(() => expect(second).not.toBeNull());
    expect(pool.starts()).toBe(1);
    expect(pool.snapshot()).toMatchObject({ keyHits: 2, coldOpenAttempts: 1 });
  });

  it('stops waiting for the busy worker once waiting has lasted as long as an open, and opens a second', async () => {
    const pool = fakePool({ maxWorkers: 2 }, { A: { startDelayMs: 40 } });
    (await pool.lease('A')).release();
    await pool.lease('A');
    const second = pool.lease('A');
    await settle();
    expect(pool.starts()).toBe(1);
    await second;
    expect(pool.starts()).toBe(2);
    expect(pool.snapshot()).toMatchObject({ coldOpenAttempts: 2, queueTimeouts: 0 });
  });

  it('waits for a start of its key under way even after a long wait for a slot', async () => {
    // Releases of B, C and D teach a mean hold of tens of ms; A's 200 ms open outweighs it.
    const pool = fakePool({ maxWorkers: 3 }, { A: { startDelayMs: 200 } });
    (await pool.lease('A')).release();
    const [b, c] = [await pool.lease('B'), await pool.lease('C')];
    await pool.lease('D'); // evicts A's idle worker
    const { order, leases, enqueue } = served(pool);
    enqueue('A', 'A1');
    enqueue('A', 'A2');
    await tick(250); // both have waited longer than an open of A
    b.release(); // A1's open of A begins
    await tick(100);
    // A2 now has a free slot, but A1's worker is half-way there: it waits for it.
    c.release();
    await settle();
    expect(pool.snapshot()).toMatchObject({ startingWorkers: 1, queueDepth: 1 });
    await eventually(() => expect(order).toEqual(['A1']));
    leases[0]?.release();
    await eventually(() => expect(order).toEqual(['A1', 'A2']));
    expect(pool.starts()).toBe(5);
    expect(pool.snapshot()).toMatchObject({ coldOpenAttempts: 5, queueTimeouts: 0 });
  });

  it('with maxEvictingStarts 1, a start that must evict waits while another caller start runs', async () => {
    const keys = { C: { startDelayMs: 100 }, D: { startDelayMs: 100 } };
    for (const [limit, atOnce] of [
      [0, 2],
      [1, 1],
    ] as const) {
      const pool = fakePool({ maxWorkers: 2, maxEvictingStarts: limit }, keys);
      (await pool.lease('A')).release();
      (await pool.lease('B')).release();
      const c = pool.lease('C');
      const d = pool.lease('D');
      await tick(50);
      expect(pool.snapshot().startingWorkers).toBe(atOnce);
      (await c).release();
      (await d).release();
      expect(pool.snapshot()).toMatchObject({ coldOpenAttempts: 4, evictions: 2, queueTimeouts: 0 });
    }
  });

  it('says evicting_start when it times out behind a start under maxEvictingStarts', async () => {
    const pool = fakePool({ maxWorkers: 2, maxEvictingStarts: 1 }, { C: { startDelayMs: 200 } });
    (await pool.lease('A')).release();
    (await pool.lease('B')).release();
    const c = pool.lease('C');
    const error = await rejection(pool.lease('D', 30), ErrorCode.QUEUE_TIMEOUT);
    expect(error.facts.waitedFor).toBe('evicting_start');
    (await c).release();
  });

  it('opens a second worker at once while nothing is known of how long a lease is held', async () => {
    const pool = fakePool({ maxWorkers: 2 }, { A: { startDelayMs: 30 } });
    await pool.lease('A');
    await pool.lease('A');
    expect(pool.starts()).toBe(2);
  });
});

/** A worker table of two idle fake workers, `A` and `B`, with `maxWorkers` 2 and its memory gate. */
async function twoIdleWorkers(eviction: 'cost' | 'lru') {
  const options = parsePoolOptions({ maxWorkers: 2, systemMemoryReserveKib: false, eviction });
  const gate = new MemoryGate(options);
  const table = new WorkerTable(options, () => {});
  const policy = effectivePolicy(options.policy, options.poolId, null);
  for (const key of ['A', 'B']) {
    const source = await fakeSource(key).resolve();
    table.add(new PoolWorker(key, source, policy, new FakeWorker(key, {}), () => {}));
  }
  return { gate, table };
}

describe('planning one key', () => {
  it('evicts last an idle worker whose key a queued waiter asks for', async () => {
    const { gate, table } = await twoIdleWorkers('lru');
    for (const w of table.live) w.lastUsedAt = w.key === 'A' ? 1 : 2;
    const plan = (wanted: string[]) =>
      planFor(
        { key: 'C', mayWait: true, sameKeyAhead: 1, since: performance.now(), wanted: new Set(wanted) },
        table,
        gate,
        new HoldTimes(),
      );
    const victim = (p: ReturnType<typeof plan>) =>
      p.kind === 'evict' ? p.victims.map((w) => w.key) : p.kind;
    expect(victim(plan([]))).toEqual(['A']);
    expect(victim(plan(['A']))).toEqual(['B']);
    expect(victim(plan(['A', 'B']))).toEqual(['A']);
  });

  it('under cost, waits for the release of a busy worker worth less than the idle one, within two lease holds', async () => {
    const plan = async (eviction: 'cost' | 'lru', { wanted = [] as string[], waitedMs = 0 } = {}) => {
      const { gate, table } = await twoIdleWorkers(eviction);
      // A is asked for often and idle; B once, and leased now.
      for (let i = 0; i < 5; i++) gate.eviction.noteRequest('A');
      gate.eviction.noteRequest('B');
      for (const key of ['A', 'B', 'C']) gate.eviction.noteOpen(key, 100);
      for (const w of table.live) if (w.key === 'B') w.state = 'leased';
      const holds = new HoldTimes();
      holds.note(10);
      const since = performance.now() - waitedMs;
      const request = { key: 'C', mayWait: true, sameKeyAhead: 1, since, wanted: new Set(wanted) };
      const p = planFor(request, table, gate, holds);
      return p.kind === 'evict' ? p.victims.map((w) => w.key) : p.kind === 'wait' ? p.reason : p.kind;
    };
    expect(await plan('cost')).toBe('busy_victim');
    // Not past two mean holds, not when a waiter asks for B, never under lru.
    expect(await plan('cost', { waitedMs: 25 })).toEqual(['A']);
    expect(await plan('cost', { wanted: ['B'] })).toEqual(['A']);
    expect(await plan('lru')).toEqual(['A']);
  });

  it('evicts the busy worker the cost policy ranks lowest once it is released, keeping the hot idle one', async () => {
    const slow = { startDelayMs: 40 };
    const pool = fakePool({ maxWorkers: 2, eviction: 'cost' }, { A: slow, B: slow, C: slow });
    // A is asked for four times, each lease held about 10 ms; B once.
    for (let i = 0; i < 4; i++) {
      const a = await pool.lease('A');
      await tick(10);
      a.release();
    }
    const b = await pool.lease('B');
    const c = pool.lease('C');
    await tick(5);
    expect(pool.snapshot()).toMatchObject({ queueDepth: 1, evictions: 0 });
    b.release();
    (await c).release();
    expect(pool.snapshot().evictions).toBe(1);
    expect(pool.of('B').map((w) => w.reaped)).toEqual([true]);
    expect(pool.of('A').map((w) => w.reaped)).toEqual([false]);
  });
});
