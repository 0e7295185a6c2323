/**
 * Pools over the general fixture child. Every pool made here is destroyed when the current test
 * finishes, passed or failed, and every diagnostics subscription is removed.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';
import { z } from 'zod';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { type ErrorCode, LeanWorkerError } from '../../src/errors.js';
import { channelName, type PoolEventName } from '../../src/pool/events.js';
import type { LeanWorkerPoolOptions } from '../../src/pool/options.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { fixturePath } from '../../src/worker/paths.js';
import { standInCapability } from '../helpers/capability.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A builder for the strict fixture child whose session key is decided by `imports`. It declares
 * every export of the fixture, so the builder writes a capability manifest and every worker opens
 * its session with it, as with the real child.
 */
export function source(imports: string[], argv: string[] = []): LeanWorkerCapabilityBuilder {
  return new LeanWorkerCapabilityBuilder({
    ...standInCapability(),
    imports,
    worker: { command: process.execPath, args: [fixturePath('children/test-child'), ...argv] },
  });
}

/** A pool destroyed when the current test finishes. */
export function makePool(options: LeanWorkerPoolOptions = {}): LeanWorkerPool {
  const pool = new LeanWorkerPool(options);
  onTestFinished(async () => {
    await pool.destroy();
  });
  return pool;
}

export const rows = defineStreamingCommand({
  export: 'rows',
  request: z.object({ count: z.number() }),
  row: z.unknown(),
  summary: z.object({ ok: z.boolean(), rows: z.number() }),
});

export const slow = defineStreamingCommand({
  export: 'slow',
  request: z.object({ rows: z.number(), msPerRow: z.number() }),
  row: z.object({ i: z.number() }),
  summary: z.unknown(),
});

export const crashAfter = defineStreamingCommand({
  export: 'crash_after',
  request: z.object({ rows: z.number() }),
  row: z.unknown(),
  summary: z.unknown(),
});

export const hang = defineStreamingCommand({
  export: 'hang',
  request: z.object({}),
  row: z.unknown(),
  summary: z.unknown(),
});

export const echo = defineJsonCommand({
  export: 'echo',
  request: z.object({ x: z.number() }),
  response: z.object({ echo: z.object({ x: z.number() }) }),
});

/** The LeanWorkerError `promise` rejects with; fails the test when it resolves or throws another kind. */
export async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<LeanWorkerError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(LeanWorkerError);
  const error = caught as LeanWorkerError;
  expect(error.code).toBe(code);
  return error;
}

/** Payloads published on each named channel while the current test runs. */
export function listen(names: readonly PoolEventName[]): Map<PoolEventName, Record<string, unknown>[]> {
  const seen = new Map<PoolEventName, Record<string, unknown>[]>();
  for (const name of names) {
    const list: Record<string, unknown>[] = [];
    seen.set(name, list);
    const handler = (message: unknown) => list.push(message as Record<string, unknown>);
    diagnosticsChannel.subscribe(channelName(name), handler);
    onTestFinished(() => {
      diagnosticsChannel.unsubscribe(channelName(name), handler);
    });
  }
  return seen;
}

/** Poll `check` until it stops throwing (or `timeoutMs` passes, then rethrow). */
export async function eventually(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

export const tick = (ms = 20) => new Promise<void>((resolve) => setTimeout(resolve, ms));
