/**
 * A lease's state always tells the truth: releasing it with a request in flight never hands a
 * busy worker on, a lease whose worker was shut down is invalid at once, and a failure raised
 * where rows are consumed changes the lease before it is thrown.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { makePool, rejection } from './helpers.js';
import { hostile, hostileEcho, hostileHang, hostileSlow, payloadRows } from './hostile.js';

describe('lease state', () => {
  it('release with a request in flight cancels it; the next holder gets an idle worker', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const stream = lease.runStreamingCommand(hostileSlow, { rows: 200, msPerRow: 20 });
    lease.release();
    const next = await pool.acquireLease(hostile());
    expect(await next.runJsonCommand(hostileEcho, { x: 1 })).toEqual({ echo: { x: 1 } });
    await rejection(stream.collect(), ErrorCode.ABORTED);
    next.release();
    expect(pool.snapshot()).toMatchObject({ leasesGranted: 2, leasesReleased: 2 });
    // The child is replaced when the request had reached it; a release that beats the request to
    // the child cancels it without a restart.
    expect(pool.snapshot().cancelledRestarts).toBeLessThanOrEqual(1);
  });

  it('withLease whose callback returns an unread stream leaves no busy worker behind', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const unread = await pool.withLease(hostile(), (lease) => ({
      stream: lease.runStreamingCommand(hostileSlow, { rows: 200, msPerRow: 20 }),
    }));
    await pool.withLease(hostile(), async (lease) => {
      expect(await lease.runJsonCommand(hostileEcho, { x: 2 })).toEqual({ echo: { x: 2 } });
    });
    await rejection(unread.stream.summary, ErrorCode.ABORTED);
  });

  it('a lease whose worker close() killed is invalid and fails a stream at once', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const before = lease.runStreamingCommand(hostileHang, {}, { timeoutMs: 60_000 });
    const report = await pool.close({ timeoutMs: 50 });
    expect(report).toMatchObject({ workers: 1, leasesOutstanding: 1 });
    expect(lease.isValid).toBe(false);
    await rejection(before.collect(), ErrorCode.POOL_CLOSED);
    const after = (async () =>
      lease.runStreamingCommand(payloadRows(z.unknown()), { payloads: [1] }).collect())();
    await rejection(after, ErrorCode.LEASE_INVALIDATED);
  });

  it('is invalid before a row failure on the consumer side is thrown', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    // A refinement cannot be checked in the supervisor: rows are checked where they are read.
    const refused = defineStreamingCommand({
      export: 'slow',
      request: z.object({ rows: z.number(), msPerRow: z.number() }),
      row: z.object({ i: z.number() }).refine((r) => r.i < 2),
      summary: z.unknown(),
    });
    expect(refused.rowThreadSchema).toBeNull();
    const stream = lease.runStreamingCommand(refused, { rows: 100, msPerRow: 10 });
    let code: string | undefined;
    try {
      for await (const _ of stream);
    } catch (error) {
      code = (error as { code?: string }).code;
      expect(lease.isValid).toBe(false);
    }
    expect(code).toBe(ErrorCode.ROW_DECODE);
    await rejection(lease.runJsonCommand(hostileEcho, { x: 1 }), ErrorCode.LEASE_INVALIDATED);
    lease.release();
  });
});
