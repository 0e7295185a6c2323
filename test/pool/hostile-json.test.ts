/**
 * What a child can send that is valid framing but hostile JSON: values nested thousands of levels
 * deep (far below the frame cap) and bytes that are not UTF-8. Each is a typed PROTOCOL failure,
 * the child is replaced, and nothing is dropped or left hanging.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { makePool, rejection } from './helpers.js';
import { deepJson, deepRows, hostile, hostileEcho } from './hostile.js';

describe('hostile JSON from a child', () => {
  it.each([5_000, 12_000, 20_000])(
    'refuses a row nested %i levels deep and replaces the child',
    async (depth) => {
      const pool = makePool({ maxWorkers: 1 });
      const lease = await pool.acquireLease(hostile());
      const stream = lease.runStreamingCommand(deepRows, { depths: [0, depth, 0] }, { timeoutMs: 10_000 });
      const error = await rejection(stream.collect(), ErrorCode.PROTOCOL);
      expect(error.facts).toMatchObject({ reason: 'nesting_too_deep', maxDepth: 1_000 });
      await rejection(stream.summary, ErrorCode.PROTOCOL);
      expect(lease.isValid).toBe(false);
      lease.release();
      const fresh = await pool.acquireLease(hostile(), { timeoutMs: 10_000 });
      expect(await fresh.runJsonCommand(hostileEcho, { x: 1 })).toEqual({ echo: { x: 1 } });
      fresh.release();
      expect(pool.snapshot()).toMatchObject({ protocolRestarts: 1, streamSuccesses: 0, streamFailures: 1 });
    },
  );

  it('refuses a JSON response nested 5,000 levels deep at once', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const error = await rejection(
      lease.runJsonCommand(deepJson, { depth: 5_000 }, { timeoutMs: 10_000 }),
      ErrorCode.PROTOCOL,
    );
    expect(error.facts).toMatchObject({ reason: 'nesting_too_deep' });
    expect(lease.isValid).toBe(false);
    lease.release();
    const fresh = await pool.acquireLease(hostile());
    expect(await fresh.runJsonCommand(hostileEcho, 'again')).toEqual({ echo: 'again' });
    fresh.release();
  });

  it('delivers values up to maxJsonDepth and refuses one level more', async () => {
    const pool = makePool({ maxWorkers: 1, maxJsonDepth: 40 });
    const lease = await pool.acquireLease(hostile());
    const { rows } = await lease.runStreamingCommand(deepRows, { depths: [40] }).collect();
    expect(JSON.stringify(rows[0]?.payload)).toBe(`${'['.repeat(40)}${']'.repeat(40)}`);
    expect(await lease.runJsonCommand(deepJson, { depth: 40 })).toHaveLength(1);
    await rejection(lease.runJsonCommand(deepJson, { depth: 41 }), ErrorCode.PROTOCOL);
    lease.release();
  });

  it('refuses a frame that is not UTF-8 instead of replacing the bytes with U+FFFD', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const stream = lease.runDataStream('bad_utf8', {});
    const error = await rejection(stream.collect(), ErrorCode.PROTOCOL);
    expect(error.facts).toMatchObject({ reason: 'invalid_utf8' });
    lease.release();
  });
});
