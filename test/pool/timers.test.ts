/**
 * Millisecond options stay inside what Node's timers can wait (2^31 - 1 ms): a larger one is
 * INVALID_OPTIONS where it is given, and a deadline that reaches a supervisor unchecked is
 * clamped there instead of firing at once.
 */
import { describe, expect, it } from 'vitest';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { ErrorCode } from '../../src/errors.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { MAX_TIMER_MS } from '../../src/protocol/constants.js';
import { makePool, ROOT, rejection } from './helpers.js';
import { hostile, hostileSlow } from './hostile.js';

const TOO_LONG = 2 ** 31;

describe('millisecond options and Node timers', () => {
  it('refuses pool, builder and close options past the timer range', async () => {
    for (const options of [
      { queueWaitTimeoutMs: TOO_LONG },
      { memorySampleIntervalMs: TOO_LONG },
      { policy: { idleCycleMs: TOO_LONG } },
      { policy: { restartBackoffMaxMs: TOO_LONG } },
      { policy: { quarantineMs: TOO_LONG } },
    ]) {
      expect(() => new LeanWorkerPool(options)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
      );
    }
    const builder = (extra: Record<string, number>) =>
      new LeanWorkerCapabilityBuilder({
        projectRoot: ROOT,
        package: 'P',
        libName: 'P',
        skipBuild: true,
        ...extra,
      });
    for (const key of [
      'requestTimeoutMs',
      'startupTimeoutMs',
      'shutdownTimeoutMs',
      'memorySampleIntervalMs',
    ]) {
      expect(() => builder({ [key]: 2 ** 32 })).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
      );
    }
    const pool = makePool();
    await rejection(pool.acquireLease(hostile(), { timeoutMs: TOO_LONG }), ErrorCode.INVALID_OPTIONS);
    await rejection(pool.acquireLease(hostile(), { requestTimeoutMs: TOO_LONG }), ErrorCode.INVALID_OPTIONS);
    await rejection(pool.close({ timeoutMs: TOO_LONG }), ErrorCode.INVALID_OPTIONS);
  });

  it('refuses command deadlines past the timer range and honours the largest one', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile(), { timeoutMs: MAX_TIMER_MS });
    for (const options of [{ timeoutMs: TOO_LONG }, { idleTimeoutMs: TOO_LONG }]) {
      expect(() => lease.runStreamingCommand(hostileSlow, { rows: 1, msPerRow: 1 }, options)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
      );
    }
    const { rows } = await lease
      .runStreamingCommand(
        hostileSlow,
        { rows: 5, msPerRow: 30 },
        { timeoutMs: MAX_TIMER_MS, idleTimeoutMs: MAX_TIMER_MS },
      )
      .collect();
    expect(rows).toHaveLength(5);
    lease.release();
  });

  it('a worker default deadline past the range does not fire at once', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile([], { requestTimeoutMs: 2 ** 32 }));
    const { rows } = await lease.runStreamingCommand(hostileSlow, { rows: 5, msPerRow: 30 }).collect();
    expect(rows).toHaveLength(5);
    lease.release();
  });
});
