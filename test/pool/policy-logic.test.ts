/**
 * Quarantine, restart accounting and memory policy on fake workers (no processes): a key whose
 * supervisor hits its restart limit or whose starts keep failing is refused until the quarantine
 * expires; replacements add up; the memory budget refuses with its figures; the memory ceiling
 * and `maxRequests` cycle a worker before it runs more.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { echo, fakePool, settle } from './fake-workers.js';
import { eventually, rejection, tick } from './helpers.js';

describe('quarantine on fake workers', () => {
  it('quarantines a key whose worker hit the restart limit, refuses it fast, and admits it once expired', async () => {
    const pool = fakePool({ maxWorkers: 2, policy: { quarantineMs: 50 } });
    (await pool.lease('A')).release();
    pool.of('A')[0]?.restartLimit();
    expect(pool.of('A')[0]?.shutdowns).toEqual(['kill']);
    const error = await rejection(pool.lease('A'), ErrorCode.QUARANTINED);
    if (error.code !== ErrorCode.QUARANTINED) throw error;
    expect(error.facts.retryAfterMs).toBeGreaterThan(0);
    expect(error.facts.retryAfterMs).toBeLessThanOrEqual(50);
    expect(pool.snapshot()).toMatchObject({ quarantinedKeys: 1, quarantineRejections: 1 });
    expect(pool.starts()).toBe(1);
    // Another key is not affected.
    (await pool.lease('B')).release();
    await tick(60);
    (await pool.lease('A')).release();
    expect(pool.snapshot()).toMatchObject({ quarantinedKeys: 0, quarantineRejections: 1 });
    expect(pool.of('A')).toHaveLength(2);
  });

  it('retires a leased worker at its restart limit only once released', async () => {
    const pool = fakePool({ maxWorkers: 1 });
    const lease = await pool.lease('A');
    pool.of('A')[0]?.restartLimit();
    expect(pool.of('A')[0]?.closed).toBe(false);
    lease.release();
    expect(pool.of('A')[0]?.shutdowns).toEqual(['kill']);
    await rejection(pool.lease('A'), ErrorCode.QUARANTINED);
  });

  it('quarantines a key whose starts fail past the restart intensity, never for init_required', async () => {
    const keys = { F: { failStart: 'fake' }, I: { failStart: 'init_required' } };
    const pool = fakePool({ policy: { maxRestarts: 2 } }, keys);
    for (let i = 0; i < 3; i++) await rejection(pool.lease('F'), ErrorCode.SPAWN);
    await rejection(pool.lease('F'), ErrorCode.QUARANTINED);
    expect(pool.starts()).toBe(3);
    for (let i = 0; i < 5; i++) await rejection(pool.lease('I'), ErrorCode.SPAWN);
    expect(pool.snapshot()).toMatchObject({ quarantinedKeys: 1, coldOpenAttempts: 8, coldOpenAdmitted: 0 });
  });
});

describe('restart accounting on fake workers', () => {
  it('counts replacement attempts as successes + failures + abandoned', async () => {
    const pool = fakePool({ maxWorkers: 1 });
    (await pool.lease('A')).release();
    const a = pool.of('A')[0];
    a?.restart('timeout');
    a?.started();
    a?.restart('child_crash');
    a?.failed();
    // A third replacement is under way when the worker is evicted for another key.
    a?.restart('child_crash');
    (await pool.lease('B')).release();
    const s = pool.snapshot();
    expect(s).toMatchObject({
      replacementAttempts: 3,
      replacementSuccesses: 1,
      replacementFailures: 1,
      replacementAbandoned: 1,
      workerRestarts: 3,
      timeoutRestarts: 1,
      crashRestarts: 2,
    });
    expect(s.replacementAttempts).toBe(
      s.replacementSuccesses + s.replacementFailures + s.replacementAbandoned,
    );
  });

  it('grants a lease on the replacement once a restart in progress has finished', async () => {
    const pool = fakePool({ maxWorkers: 1 });
    (await pool.lease('A')).release();
    const a = pool.of('A')[0];
    a?.restart('child_crash');
    let granted = false;
    const next = pool.lease('A').then((lease) => {
      granted = true;
      return lease;
    });
    await settle();
    expect(granted).toBe(false);
    a?.started();
    expect((await next).snapshot().generation).toBe(1);
    expect(pool.snapshot()).toMatchObject({ keyHits: 1, coldOpenAttempts: 1 });
  });

  it('retires an idle worker whose supervisor ended and starts a fresh one for its key', async () => {
    const pool = fakePool({ maxWorkers: 1 });
    (await pool.lease('A')).release();
    pool.of('A')[0]?.lose();
    await eventually(() => expect(pool.snapshot().workers).toBe(0));
    (await pool.lease('A')).release();
    expect(pool.of('A')).toHaveLength(2);
  });
});

describe('memory policy on fake workers', () => {
  const keys = { A: { privateKib: 1_000 }, B: { privateKib: 1_000 }, big: { privateKib: 2_000 } };

  it('refuses a cold worker past the budget with MEMORY_BUDGET and its figures when waiting is disabled', async () => {
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_500 }, keys);
    await pool.lease('A');
    const error = await rejection(pool.lease('B', 0), ErrorCode.MEMORY_BUDGET);
    if (error.code !== ErrorCode.MEMORY_BUDGET) throw error;
    expect(error.facts).toMatchObject({
      currentKib: 1_000,
      predictedKib: 1_000,
      limitKib: 1_500,
      measure: 'private',
    });
    expect(pool.snapshot()).toMatchObject({
      memoryBudgetRejections: 1,
      coldOpenRefusals: 1,
      refusalReason: 'memory_budget',
      workers: 1,
    });
  });

  it('queues a cold worker that does not fit and serves it by evicting once the busy one is idle', async () => {
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_500 }, keys);
    const a = await pool.lease('A');
    const b = pool.lease('B');
    await settle();
    expect(pool.snapshot()).toMatchObject({ queueDepth: 1, workers: 1 });
    a.release();
    (await b).release();
    expect(pool.of('A')[0]?.closed).toBe(true);
    expect(pool.snapshot()).toMatchObject({ evictions: 1, memoryBudgetRejections: 0, queueDepth: 0 });
  });

  it('refuses a key that alone passes the budget at once, without waiting for busy workers', async () => {
    const pool = fakePool({ maxWorkers: 2, maxTotalChildMemoryKib: 1_500, defaultWorkerCostKib: 1 }, keys);
    // The pool learns the big key's cost by running it once; A evicts it and stays busy.
    (await pool.lease('big')).release();
    await pool.lease('A');
    await rejection(pool.lease('big'), ErrorCode.MEMORY_BUDGET);
    expect(pool.snapshot()).toMatchObject({ memoryBudgetRejections: 1, queueTimeouts: 0, queueDepth: 0 });
  });

  it('cycles a worker over its memory ceiling and invalidates the lease without sending the command', async () => {
    const pool = fakePool({ maxWorkers: 1, policy: { memoryCeilingKib: 500 } }, keys);
    const lease = await pool.lease('A');
    const error = await rejection(lease.runJsonCommand(echo, { x: 1 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts).toMatchObject({ reason: 'memory_ceiling', limitKib: 500, currentKib: 1_000 });
    expect(lease.isValid).toBe(false);
    expect(pool.of('A')[0]?.requests).toHaveLength(0);
    await eventually(() => expect(pool.snapshot()).toMatchObject({ memoryRestarts: 1, policyRestarts: 1 }));
    expect(pool.snapshot()).toMatchObject({ requests: 0, lastRestartReason: 'memory_ceiling' });
  });

  it('cycles a worker after maxRequests before its next lease', async () => {
    const pool = fakePool({ maxWorkers: 1, policy: { maxRequests: 2 } });
    const first = await pool.lease('A');
    for (const x of [1, 2]) expect(await first.runJsonCommand(echo, { x })).toEqual({ x });
    first.release();
    const second = await pool.lease('A');
    expect(second.snapshot().generation).toBe(1);
    expect(await second.runJsonCommand(echo, { x: 3 })).toEqual({ x: 3 });
    expect(pool.snapshot()).toMatchObject({ maxRequestRestarts: 1, policyRestarts: 1, requests: 3 });
    expect(pool.of('A')).toHaveLength(1);
  });

  it('invalidates a lease that reached maxRequests instead of sending a further command', async () => {
    const pool = fakePool({ maxWorkers: 1, policy: { maxRequests: 1 } });
    const lease = await pool.lease('A');
    await lease.runJsonCommand(echo, { x: 1 });
    const error = await rejection(lease.runJsonCommand(echo, { x: 2 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBe('max_requests');
    expect(pool.of('A')[0]?.requests).toHaveLength(1);
  });
});
