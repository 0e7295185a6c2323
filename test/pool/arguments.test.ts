/**
 * Unusable arguments are typed errors before anything is sent or spawned: INVALID_ARGUMENT (or
 * INVALID_OPTIONS for an options object), at definition time where possible, never a raw
 * TypeError or RangeError, and never a malformed request that reaches the child.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import { makePool, rejection } from './helpers.js';
import { hostile, hostileEcho, payloadRows } from './hostile.js';

/** The typed error `fn` throws synchronously. */
function thrown(fn: () => unknown, code: ErrorCode): void {
  expect(fn).toThrow(expect.objectContaining({ code }));
}

const anyRequest = defineJsonCommand({ export: 'echo', request: z.any(), response: z.unknown() });
const anyRows = defineStreamingCommand({
  export: 'rows',
  request: z.any(),
  row: z.unknown(),
  summary: z.unknown(),
});

describe('typed errors for unusable arguments', () => {
  it('refuses incomplete command definitions when they are made', () => {
    const define = defineJsonCommand as (d: unknown) => unknown;
    const defineStream = defineStreamingCommand as (d: unknown) => unknown;
    thrown(() => define(undefined), ErrorCode.INVALID_ARGUMENT);
    thrown(() => define(null), ErrorCode.INVALID_ARGUMENT);
    thrown(() => define({ export: 'echo' }), ErrorCode.INVALID_ARGUMENT);
    thrown(() => define({ export: 'echo', request: z.unknown() }), ErrorCode.INVALID_ARGUMENT);
    thrown(() => define({ export: 'echo', request: {}, response: z.unknown() }), ErrorCode.INVALID_ARGUMENT);
    thrown(
      () => defineStream({ export: 42, request: z.unknown(), row: z.unknown(), summary: z.unknown() }),
      ErrorCode.INVALID_ARGUMENT,
    );
    thrown(
      () => defineStream({ export: 'rows', request: z.unknown(), row: z.unknown() }),
      ErrorCode.INVALID_ARGUMENT,
    );
  });

  it('refuses requests with no JSON text before they are sent; the worker stays untouched', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    let deep: unknown = [];
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const requests: unknown[] = [
      { big: 1n },
      cycle,
      {
        toJSON() {
          throw new Error('no JSON for you');
        },
      },
      deep,
      undefined,
      () => 1,
    ];
    for (const request of requests) {
      await rejection(lease.runJsonCommand(anyRequest, request), ErrorCode.INVALID_ARGUMENT);
      thrown(() => lease.runStreamingCommand(anyRows, request), ErrorCode.INVALID_ARGUMENT);
    }
    thrown(() => lease.runDataStream('rows', { big: 2n }), ErrorCode.INVALID_ARGUMENT);
    await rejection(lease.capabilityMetadata('metadata', cycle), ErrorCode.INVALID_ARGUMENT);
    expect(lease.isValid).toBe(true);
    expect(await lease.runJsonCommand(hostileEcho, { ok: true })).toEqual({ echo: { ok: true } });
    expect(pool.snapshot()).toMatchObject({ requests: 1, workerRestarts: 0 });
    lease.release();
  });

  it('refuses what is not a command, an export name or an options object', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    await rejection(lease.runJsonCommand(null as never, {}), ErrorCode.INVALID_ARGUMENT);
    await rejection(lease.runJsonCommand(payloadRows(z.unknown()) as never, {}), ErrorCode.INVALID_ARGUMENT);
    thrown(() => lease.runStreamingCommand(hostileEcho as never, {}), ErrorCode.INVALID_ARGUMENT);
    thrown(() => lease.runStreamingCommand(undefined as never, {}), ErrorCode.INVALID_ARGUMENT);
    thrown(() => lease.runDataStream(42 as never, {}), ErrorCode.INVALID_ARGUMENT);
    await rejection(lease.capabilityDoctor({} as never), ErrorCode.INVALID_ARGUMENT);
    thrown(
      () => lease.runStreamingCommand(payloadRows(z.unknown()), { payloads: [] }, null as never),
      ErrorCode.INVALID_OPTIONS,
    );
    thrown(() => lease.runDataStream('rows', {}, null as never), ErrorCode.INVALID_OPTIONS);
    await rejection(lease.runJsonCommand(hostileEcho, 1, null as never), ErrorCode.INVALID_OPTIONS);
    expect(lease.isValid).toBe(true);
    expect(pool.snapshot().requests).toBe(0);
    lease.release();
  });

  it('refuses unusable sources and callbacks before a worker is spawned', async () => {
    const pool = makePool({ maxWorkers: 1 });
    await rejection(pool.acquireLease(null as never), ErrorCode.INVALID_ARGUMENT);
    await rejection(pool.acquireLease({} as never), ErrorCode.INVALID_ARGUMENT);
    await rejection(
      pool.acquireLease({ sessionKey: () => 'k' } as LeanWorkerSource),
      ErrorCode.INVALID_ARGUMENT,
    );
    let checked: Promise<unknown> | undefined;
    expect(() => {
      checked = pool.check(null as never);
    }).not.toThrow();
    await rejection(checked as Promise<unknown>, ErrorCode.INVALID_ARGUMENT);
    await rejection(pool.check({} as LeanWorkerCapabilityBuilder), ErrorCode.INVALID_ARGUMENT);
    await rejection(pool.withLease(hostile(), 42 as never), ErrorCode.INVALID_ARGUMENT);
    await rejection(pool.acquireLease(hostile(), null as never), ErrorCode.INVALID_OPTIONS);
    expect(pool.snapshot()).toMatchObject({ coldOpenAttempts: 0, workers: 0, leasesGranted: 0 });
  });
});
