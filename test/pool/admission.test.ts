import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerSessionLease } from '../../src/lease.js';
import { echo, eventually, makePool, rejection, slow, source, tick } from './helpers.js';

describe('admission', () => {
  it('runs four leases on four workers at once, queues a fifth and serves it on a release', async () => {
    const pool = makePool({ maxWorkers: 4 });
    const keys = ['A', 'B', 'C', 'D'];
    const leases = await Promise.all(keys.map((k) => pool.acquireLease(source([k]))));
    expect(pool.snapshot()).toMatchObject({ workers: 4, activeWorkers: 4, coldOpenAdmitted: 4 });

    let inFlight = 0;
    let maxInFlight = 0;
    const runs = leases.map(async (lease) => {
      const stream = lease.runStreamingCommand(slow, { rows: 12, msPerRow: 25 });
      let first = true;
      let count = 0;
      for await (const _row of stream) {
        if (first) {
          first = false;
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
        }
        count += 1;
      }
      inFlight -= 1;
      await stream.summary;
      return count;
    });
    expect(await Promise.all(runs)).toEqual([12, 12, 12, 12]);
    expect(maxInFlight).toBe(4);

    const fifth = pool.acquireLease(source(['B']));
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
    leases[1]?.release();
    const served = await fifth;
    expect(pool.snapshot()).toMatchObject({ queueDepth: 0, keyHits: 1, coldOpenAttempts: 4 });
    expect(await served.runJsonCommand(echo, { x: 5 })).toEqual({ echo: { x: 5 } });
  });

  it('reuses the warm worker of a key without a new cold open', async () => {
    const pool = makePool({ maxWorkers: 2 });
    const first = await pool.acquireLease(source(['A']));
    first.release();
    const again = await pool.acquireLease(source(['A']));
    expect(await again.runJsonCommand(echo, { x: 1 })).toEqual({ echo: { x: 1 } });
    expect(pool.snapshot()).toMatchObject({
      keyHits: 1,
      keyMisses: 1,
      coldOpenAttempts: 1,
      workers: 1,
      freshColdOpensAvoided: 1,
      evictions: 0,
    });
  });

  it('evicts an idle worker of another key when every slot is idle but of another key', async () => {
    const pool = makePool({ maxWorkers: 2, eviction: 'lru' });
    const [a, b] = await Promise.all([pool.acquireLease(source(['A'])), pool.acquireLease(source(['B']))]);
    a.release();
    b.release();
    const c = await pool.acquireLease(source(['C']));
    expect(await c.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    const snap = pool.snapshot();
    expect(snap).toMatchObject({ evictions: 1, workers: 2, distinctKeysSeen: 3 });
    // The least recently used entry (A) went; B is still warm.
    c.release();
    const b2 = await pool.acquireLease(source(['B']));
    b2.release();
    expect(pool.snapshot()).toMatchObject({ keyHits: 1, evictions: 1 });
  });

  it('fails a queued acquire with QUEUE_TIMEOUT carrying the time waited', async () => {
    const pool = makePool({ maxWorkers: 1 });
    await pool.acquireLease(source(['A']));
    const error = await rejection(
      pool.acquireLease(source(['A']), { timeoutMs: 100 }),
      ErrorCode.QUEUE_TIMEOUT,
    );
    expect(error.facts.queueWaitMs).toBeTypeOf('number');
    expect(error.facts.queueWaitMs as number).toBeGreaterThanOrEqual(90);
    expect(error.facts.timeoutMs).toBe(100);
    expect(pool.snapshot()).toMatchObject({
      queueTimeouts: 1,
      queueDepth: 0,
      refusalReason: 'queue_timeout',
    });
  });

  it('refuses with QUEUE_FULL past maxQueuedAcquires', async () => {
    const pool = makePool({ maxWorkers: 1, maxQueuedAcquires: 1 });
    const held = await pool.acquireLease(source(['A']));
    const queued = pool.acquireLease(source(['A']));
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
    const error = await rejection(pool.acquireLease(source(['A'])), ErrorCode.QUEUE_FULL);
    expect(error.facts.maxQueuedAcquires).toBe(1);
    expect(pool.snapshot()).toMatchObject({ queueFullRejections: 1, queueDepth: 1 });
    held.release();
    (await queued).release();
  });

  it('rejects an acquire aborted while queued with ABORTED and leaves the queue', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const held = await pool.acquireLease(source(['A']));
    const controller = new AbortController();
    const queued = pool.acquireLease(source(['A']), { signal: controller.signal });
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
    controller.abort();
    const error = await rejection(queued, ErrorCode.ABORTED);
    expect(error.facts.reason).toBe('queued');
    expect(pool.snapshot()).toMatchObject({ queueAborts: 1, queueDepth: 0 });
    // The released worker is not handed to the aborted waiter.
    held.release();
    expect(pool.snapshot()).toMatchObject({ activeWorkers: 0, idleWorkers: 1 });
    const pre = new AbortController();
    pre.abort();
    const before = await rejection(
      pool.acquireLease(source(['A']), { signal: pre.signal }),
      ErrorCode.ABORTED,
    );
    expect(before.facts.reason).toBe('before_queue');
  });

  it('refuses at once with POOL_EXHAUSTED when queueWaitTimeoutMs is 0', async () => {
    const pool = makePool({ maxWorkers: 1, queueWaitTimeoutMs: 0 });
    await pool.acquireLease(source(['A']));
    const error = await rejection(pool.acquireLease(source(['B'])), ErrorCode.POOL_EXHAUSTED);
    expect(error.facts.maxWorkers).toBe(1);
    expect(pool.snapshot()).toMatchObject({
      queueDepth: 0,
      refusalReason: 'max_workers',
      coldOpenRefusals: 1,
    });
  });

  it('serves the oldest waiter within maxWaiterBypasses passes while same-key waiters keep arriving', async () => {
    const maxWaiterBypasses = 2;
    const pool = makePool({ maxWorkers: 1, maxWaiterBypasses });
    const order: string[] = [];
    const held = await pool.acquireLease(source(['A']));
    let arrivals = 0;
    const pending: Promise<void>[] = [];
    const enqueue = (key: string) => {
      const label = key === 'A' ? `A${++arrivals}` : key;
      pending.push(
        pool.acquireLease(source([key])).then(
          async (lease: LeanWorkerSessionLease) => {
            order.push(label);
            // Another same-key waiter arrives before each release.
            if (key === 'A' && arrivals < 8) enqueue('A');
            await tick(5);
            lease.release();
          },
          () => undefined,
        ),
      );
    };
    enqueue('B');
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(1));
    enqueue('A');
    enqueue('A');
    await eventually(() => expect(pool.snapshot().queueDepth).toBe(3));
    held.release();
    await eventually(() => expect(order).toContain('B'), 10_000);
    expect(order.indexOf('B')).toBeLessThanOrEqual(maxWaiterBypasses);
    expect(order.slice(0, order.indexOf('B')).every((l) => l.startsWith('A'))).toBe(true);
    await pool.destroy();
    await Promise.allSettled(pending);
  });
});
