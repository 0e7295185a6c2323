/**
 * Redis connections of the cluster (ioredis), and the one typed error their failures become:
 * CLUSTER_UNAVAILABLE. Every connection reconnects on its own with a bounded backoff; a command
 * issued while Redis is away fails after one retry instead of waiting for it.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { ErrorCode, LeanWorkerError, makeError } from '../errors.js';
import type { ResolvedRedisOptions } from './options.js';

/** ioredis options for `redis`: bounded reconnect backoff, and the role's retry rule. */
export function redisOptions(redis: ResolvedRedisOptions, role: 'command' | 'blocking' | 'bullmq') {
  const { tls, ...where } = redis;
  return {
    ...where,
    ...(tls ? { tls: {} } : {}),
    // BullMQ's workers need commands that wait for a reconnect; ours fail and say so.
    maxRetriesPerRequest: role === 'bullmq' ? null : 1,
    retryStrategy: (times: number) => Math.min(50 * times, 1_000),
    connectTimeout: 5_000,
    enableAutoPipelining: role === 'command',
  };
}

/** A new connection; its errors are reported by the commands that fail, never thrown as events. */
export function connect(redis: ResolvedRedisOptions, role: 'command' | 'blocking'): Redis {
  return new Redis(redisOptions(redis, role)).on('error', () => {});
}

/** `error` as a library error: a library error unchanged, anything else CLUSTER_UNAVAILABLE. */
export function clusterError(
  error: unknown,
  facts: { jobId?: string; reason?: string } = {},
): LeanWorkerError {
  if (error instanceof LeanWorkerError) return error;
  const { jobId, reason = 'redis_error' } = facts;
  const message = `the cluster's Redis failed: ${(error as Error)?.message ?? String(error)}`;
  return makeError(ErrorCode.CLUSTER_UNAVAILABLE, message, {
    facts: { reason, ...(jobId === undefined ? {} : { jobId }) },
    cause: error,
  });
}

/** `promise`, or CLUSTER_UNAVAILABLE once `ms` pass. */
export async function bounded<T>(
  promise: Promise<T>,
  ms: number,
  facts: { jobId?: string } = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    const fail = () => new Error(`no answer from Redis within ${ms} ms`);
    timer = setTimeout(() => reject(clusterError(fail(), { ...facts, reason: 'redis_timeout' })), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } catch (error) {
    throw clusterError(error, facts);
  } finally {
    clearTimeout(timer);
  }
}

/** Close a connection, quietly (QUIT, else disconnect). */
export async function closeQuietly(client: Redis): Promise<void> {
  if (client.status === 'ready') await bounded(client.quit(), 1_000).catch(() => {});
  client.disconnect();
}

/** Resolve after `ms` (or at once when `signal` aborts). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal }).catch(() => {});
}
