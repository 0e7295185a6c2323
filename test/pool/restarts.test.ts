import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { crashAfter, echo, eventually, makePool, rejection, source, tick } from './helpers.js';

describe('restart policy', () => {
  it('cycles a worker after maxRequests; the next lease runs on the new generation', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { maxRequests: 2 } });
    const first = await pool.acquireLease(source(['A']));
    await first.runJsonCommand(echo, { x: 1 });
    await first.runJsonCommand(echo, { x: 2 });
    const generation = first.snapshot().generation as number;
    first.release();
    const second = await pool.acquireLease(source(['A']));
    expect(second.snapshot().generation as number).toBeGreaterThan(generation);
    expect(await second.runJsonCommand(echo, { x: 3 })).toEqual({ echo: { x: 3 } });
    await eventually(() =>
      expect(pool.snapshot()).toMatchObject({ maxRequestRestarts: 1, policyRestarts: 1, crashRestarts: 0 }),
    );
    expect(pool.snapshot().lastRestartReason).toBe('max_requests');
  });

  it('never counts planned cycles toward the restart limit', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { maxRestarts: 2, restartWindowMs: 60_000 } });
    for (let i = 0; i < 4; i++) {
      const lease = await pool.acquireLease(source(['A']));
      await lease.cycle();
      lease.release();
    }
    const lease = await pool.acquireLease(source(['A']));
    expect(await lease.runJsonCommand(echo, { x: 5 })).toEqual({ echo: { x: 5 } });
    expect(lease.snapshot().generation).toBe(4);
    lease.release();
    expect(pool.snapshot()).toMatchObject({ explicitCycles: 4, quarantinedKeys: 0 });
  });

  it('invalidates a lease that reached maxRequests instead of running a further command', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { maxRequests: 1 } });
    const lease = await pool.acquireLease(source(['A']));
    await lease.runJsonCommand(echo, { x: 1 });
    const error = await rejection(lease.runJsonCommand(echo, { x: 2 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBe('max_requests');
    expect(pool.snapshot().requests).toBe(1);
  });

  it("applies the builder's own restart policy over the pool's", async () => {
    const pool = makePool({ maxWorkers: 1 });
    const builder = source(['A']).with({ policy: { maxRequests: 1 } });
    const lease = await pool.acquireLease(builder);
    await lease.runJsonCommand(echo, { x: 1 });
    const error = await rejection(lease.runJsonCommand(echo, { x: 2 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBe('max_requests');
    expect(pool.snapshot().requests).toBe(1);
  });

  it('cycles a worker that sat idle longer than policy.idleCycleMs', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { idleCycleMs: 50 } });
    const first = await pool.acquireLease(source(['A']));
    await first.runJsonCommand(echo, { x: 1 });
    const generation = first.snapshot().generation as number;
    first.release();
    await tick(120);
    const second = await pool.acquireLease(source(['A']));
    expect(second.snapshot().generation as number).toBeGreaterThan(generation);
    expect(await second.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    await eventually(() => expect(pool.snapshot()).toMatchObject({ idleRestarts: 1, policyRestarts: 1 }));
  });

  it('quarantines a key that passes the restart intensity and fails it fast', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { maxRestarts: 1, restartBackoffBaseMs: 0 } });
    const first = await pool.acquireLease(source(['A']));
    await rejection(first.runStreamingCommand(crashAfter, { rows: 1 }).summary, ErrorCode.CHILD_CRASH);
    first.release();
    const second = await pool.acquireLease(source(['A']));
    const crash = await second.runStreamingCommand(crashAfter, { rows: 1 }).summary.then(
      () => null,
      (e: { code: string }) => e.code,
    );
    expect(crash).not.toBeNull();
    second.release();
    await eventually(() => expect(pool.snapshot().quarantinedKeys).toBe(1));
    const error = await rejection(pool.acquireLease(source(['A'])), ErrorCode.QUARANTINED);
    expect(error.facts.retryAfterMs as number).toBeGreaterThan(0);
    expect(pool.snapshot()).toMatchObject({ quarantineRejections: 1, quarantinedKeys: 1 });
    // Another key is not affected.
    const other = await pool.acquireLease(source(['B']));
    expect(await other.runJsonCommand(echo, { x: 1 })).toEqual({ echo: { x: 1 } });
  });
});
