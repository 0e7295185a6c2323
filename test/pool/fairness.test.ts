/**
 * Fair queueing and explanations on fake workers: waiters of named clients are served
 * weighted-fair, so one client with many waiters cannot starve another; every queue timeout and
 * refusal says why it waited, in its facts and in its `admission-refused` event.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { fakePool, settle } from './fake-workers.js';
import { listen, makePool, rejection, source } from './helpers.js';

/** Hold the only worker, queue `waiters` (key, client) in order, then serve them one by one. */
async function servedOrder(
  options: Parameters<typeof fakePool>[0],
  waiters: readonly (readonly [string, string])[],
): Promise<string[]> {
  const pool = fakePool({ maxWorkers: 1, ...options });
  const held = await pool.lease('A');
  const order: string[] = [];
  const pending = waiters.map(([client, label]) =>
    pool.lease('A', 10_000, client).then((lease) => {
      order.push(label);
      lease.release();
    }),
  );
  await settle();
  held.release();
  await Promise.all(pending);
  return order;
}

describe('weighted fair queueing on fake workers', () => {
  const heavyFirst = [
    ...Array.from({ length: 5 }, (_, i) => ['heavy', `h${i + 1}`] as const),
    ['light', 'l1'] as const,
    ['light', 'l2'] as const,
  ];

  it('interleaves a client queued behind another client many waiters long', async () => {
    expect(await servedOrder({}, heavyFirst)).toEqual(['h1', 'l1', 'h2', 'l2', 'h3', 'h4', 'h5']);
  });

  it('serves a client of weight 2 twice as often while both wait', async () => {
    const order = await servedOrder({ clientWeights: { light: 2 } }, heavyFirst);
    expect(order).toEqual(['l1', 'h1', 'l2', 'h2', 'h3', 'h4', 'h5']);
  });

  it('is first come, first served without clients', async () => {
    const order = await servedOrder(
      {},
      heavyFirst.map(([, label]) => ['', label] as const),
    );
    expect(order).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'l1', 'l2']);
  });

  it('refuses an empty or overlong client name with INVALID_OPTIONS before queueing', async () => {
    const pool = makePool();
    for (const client of ['', 'x'.repeat(257), 3]) {
      await rejection(pool.acquireLease(source(['Fair']), { client } as never), ErrorCode.INVALID_OPTIONS);
    }
    expect(pool.snapshot().coldOpenAttempts).toBe(0);
  });
});

describe('why an acquire waited, on fake workers', () => {
  it('says workers when every slot is busy, in the QUEUE_TIMEOUT facts and the event', async () => {
    const events = listen(['admission-refused']);
    const pool = fakePool({ maxWorkers: 1 });
    await pool.lease('A');
    const error = await rejection(pool.lease('B', 30, 'ci'), ErrorCode.QUEUE_TIMEOUT);
    expect(error.facts).toMatchObject({ waitedFor: 'workers', client: 'ci', timeoutMs: 30 });
    expect(events.get('admission-refused')?.at(-1)).toMatchObject({
      reason: 'queue_timeout',
      waitedFor: 'workers',
      client: 'ci',
    });
  });

  it('says memory when the budget has no room beside a busy worker', async () => {
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_500 }, { A: { privateKib: 1_000 } });
    await pool.lease('A');
    const error = await rejection(pool.lease('B', 30), ErrorCode.QUEUE_TIMEOUT);
    expect(error.facts.waitedFor).toBe('memory');
    const now = await rejection(pool.lease('B', 0), ErrorCode.MEMORY_BUDGET);
    expect(now.facts.waitedFor).toBe('memory');
  });

  it('says reaping while an evicted child exits', async () => {
    const keys = { A: { privateKib: 1_000, slowExit: true } };
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_500 }, keys);
    (await pool.lease('A')).release();
    const error = await rejection(pool.lease('B', 30), ErrorCode.QUEUE_TIMEOUT);
    expect(error.facts.waitedFor).toBe('reaping');
  });

  it('says unknown_cost while another start of unknown cost runs under a budget', async () => {
    const keys = { A: { startDelayMs: 200 } };
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_500 }, keys);
    const first = pool.lease('A');
    const error = await rejection(pool.lease('B', 30), ErrorCode.QUEUE_TIMEOUT);
    expect(error.facts.waitedFor).toBe('unknown_cost');
    (await first).release();
  });

  it('says spare_starting while a spare of its key starts, and the spare then serves it', async () => {
    const pool = fakePool({ maxWorkers: 3, spares: 1 }, { A: { startDelayMs: 100 } });
    (await pool.lease('A')).release();
    const busy = await pool.lease('A');
    expect(pool.snapshot()).toMatchObject({ spareStarts: 1, startingWorkers: 1 });
    const error = await rejection(pool.lease('A', 30), ErrorCode.QUEUE_TIMEOUT);
    expect(error.facts.waitedFor).toBe('spare_starting');
    (await pool.lease('A')).release();
    expect(pool.snapshot()).toMatchObject({ backgroundStartsUsed: 1, coldOpenAttempts: 1 });
    busy.release();
  });

  it('refuses a waiter whose key is quarantined while it waits, saying quarantine', async () => {
    const events = listen(['admission-refused']);
    const pool = fakePool({ maxWorkers: 1 });
    const a = await pool.lease('A');
    const waiting = pool.lease('A', 5_000);
    await settle();
    pool.of('A')[0]?.restartLimit();
    a.release();
    const error = await rejection(waiting, ErrorCode.QUARANTINED);
    expect(error.facts).toMatchObject({ waitedFor: 'quarantine' });
    expect(error.facts.retryAfterMs).toBeGreaterThan(0);
    expect(events.get('admission-refused')?.at(-1)).toMatchObject({
      reason: 'quarantined',
      waitedFor: 'quarantine',
    });
  });
});
