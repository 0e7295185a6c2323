/**
 * One attempt of one job on a node: count the attempt, rebuild the source, take a lease, run the
 * command, write its rows and exactly one terminal entry to the job's row stream, then settle the
 * BullMQ job. A failure the cluster retries goes back to its queue without a terminal entry; a
 * lost lock (the job was given to another node) ends the attempt without writing anything more.
 */
import { type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defineJsonCommand, type LeanWorkerJsonCommand } from '../commands.js';
import { ErrorCode, makeError } from '../errors.js';
import type { LeanWorkerPool, LeanWorkerSource } from '../pool/pool.js';
import type { NodeCounters } from './announce.js';
import { publishCluster, publishEnded } from './events.js';
import type { ResolvedNodeOptions } from './options.js';
import { clusterError } from './redis.js';
import { RowWriter } from './row-writer.js';
import type { WarmKeys } from './warm-keys.js';
import {
  type ClusterJobData,
  type ClusterKeys,
  type EndEntry,
  entryFields,
  jobDataSchema,
  wireErrorOf,
} from './wire.js';

/** What the node lends each attempt. */
export interface JobContext {
  readonly nodeId: string;
  readonly redis: Redis;
  readonly keys: ClusterKeys;
  readonly pool: LeanWorkerPool;
  readonly options: ResolvedNodeOptions;
  readonly warm: WarmKeys;
  readonly counters: NodeCounters;
  /** Running jobs by id, to cancel on a client's request. */
  readonly cancels: Map<string, AbortController>;
}

/** Failures of the machine or the worker rather than of the request: worth another attempt. */
export const DEFAULT_RETRY_ON: readonly string[] = [
  ErrorCode.CHILD_CRASH,
  ErrorCode.CHILD_EXIT,
  ErrorCode.WORKER_UNAVAILABLE,
  ErrorCode.SPAWN,
  ErrorCode.HANDSHAKE,
  ErrorCode.PROTOCOL,
  ErrorCode.MEMORY_LIMIT,
  ErrorCode.MEMORY_BUDGET,
  ErrorCode.QUEUE_TIMEOUT,
  ErrorCode.QUEUE_FULL,
  ErrorCode.POOL_EXHAUSTED,
  ErrorCode.POOL_CLOSED,
  ErrorCode.LEASE_INVALIDATED,
  ErrorCode.RESTART_LIMIT,
  ErrorCode.QUARANTINED,
];

const passThrough = new Map<string, LeanWorkerJsonCommand<unknown, unknown>>();

/** The node's copy of a JSON command: schemas are the client's, so the node passes values through. */
function jsonCommand(exportName: string): LeanWorkerJsonCommand<unknown, unknown> {
  let command = passThrough.get(exportName);
  if (!command) {
    command = defineJsonCommand({ export: exportName, request: z.unknown(), response: z.unknown() });
    if (passThrough.size > 1024) passThrough.clear();
    passThrough.set(exportName, command);
  }
  return command;
}

/** Build the job's source with the node's resolver; an unknown name is not retried. */
function sourceOf(ctx: JobContext, data: ClusterJobData): LeanWorkerSource {
  const { name, params } = data.source;
  const resolve = ctx.options.sources[name];
  const source = resolve?.(params) as LeanWorkerSource | undefined;
  if (typeof source?.sessionKey === 'function') return source;
  const [message, reason] = resolve
    ? [`source ${name} did not build a worker source`, 'not_a_source']
    : [`this node has no source named ${name}`, 'unknown_source'];
  throw makeError(ErrorCode.INVALID_ARGUMENT, message, {
    facts: { argument: 'source', reason, received: name },
  });
}

export async function runAttempt(ctx: JobContext, job: Job, token: string): Promise<void> {
  const jobId = String(job.id);
  const metaKey = ctx.keys.job(jobId);
  const rowsKey = ctx.keys.rows(jobId);
  const { nodeId, redis } = ctx;
  const controller = new AbortController();
  ctx.cancels.set(jobId, controller);
  let lockLost = false;
  const renew = () => {
    job.extendLock(token, ctx.options.lockDurationMs).then(
      (ok) => {
        if (!ok) lockLost = true;
      },
      () => {},
    );
    if (lockLost) controller.abort(new Error('lock lost'));
  };
  const lockTimer = setInterval(renew, Math.max(50, Math.floor(ctx.options.lockDurationMs / 2)));
  let attempt = 0;
  let warm = false;
  const ttl = ctx.options.resultTtlMs;

  /** Write the one terminal entry, then settle the BullMQ job. */
  const finish = async (end: EndEntry): Promise<void> => {
    if (lockLost) return;
    await redis
      .multi()
      .xadd(rowsKey, '*', ...entryFields({ kind: 'end', ...end }))
      .hset(metaKey, 'done', '1')
      .pexpire(rowsKey, ttl)
      .pexpire(metaKey, ttl)
      .exec();
    ctx.counters[end.ok ? 'succeeded' : 'failed'] += 1;
    publishEnded(jobId, nodeId, end);
    if (end.ok) await job.moveToCompleted('ok', token, false);
    else await job.moveToFailed(new UnrecoverableError(end.error.code), token, false);
  };

  try {
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const error = makeError(ErrorCode.PROTOCOL, 'a cluster job has malformed data', {
        facts: { reason: 'cluster_job_malformed' },
      });
      return await finish({ ok: false, attempt: 1, node: nodeId, warm: false, error: error.toWire() });
    }
    const data = parsed.data;
    const [[, counted], [, meta]] = ((await redis
      .multi()
      .hincrby(metaKey, 'attempt', 1)
      .hgetall(metaKey)
      .exec()) ?? []) as [[unknown, number], [unknown, Record<string, string>]];
    attempt = Number(counted);
    if (meta?.done === '1') {
      await job.moveToCompleted('ok', token, false);
      return;
    }
    if (meta?.cancelled === '1') {
      ctx.counters.cancelled += 1;
      const error = makeError(ErrorCode.ABORTED, 'the cluster job was cancelled before it ran', {
        facts: { reason: 'cluster_cancelled', sent: false },
      });
      return await finish({ ok: false, attempt, node: nodeId, warm: false, error: error.toWire() });
    }
    if (attempt > data.maxAttempts) {
      // Earlier attempts ended without a verdict (their node died): the last known error, else NODE_LOST.
      const node = meta?.lastNode ?? null;
      const facts = { jobId, reason: 'attempts_exhausted', attempts: attempt - 1, node };
      const error = meta?.lastError
        ? wireErrorOf(JSON.parse(meta.lastError))
        : makeError(ErrorCode.NODE_LOST, 'the job lost its node on every attempt', { facts }).toWire();
      return await finish({ ok: false, attempt: attempt - 1, node, warm: false, error });
    }
    const source = sourceOf(ctx, data);
    const sessionKey = source.sessionKey();
    ctx.warm.link(sessionKey, data.source.affinityKey);
    const onLeased = async (warmWorker: boolean) => {
      warm = warmWorker;
      ctx.counters.attempts += 1;
      ctx.counters[warm ? 'warmStarts' : 'coldStarts'] += 1;
      await redis
        .multi()
        .xadd(rowsKey, '*', ...entryFields({ kind: 'attempt', attempt, node: nodeId, warm }))
        .hset(metaKey, 'lastNode', nodeId)
        .pexpire(rowsKey, ttl)
        .exec();
      publishCluster('job-attempt', { jobId, node: nodeId, attempt, warm });
    };
    const value = await runOnLease(ctx, data, source, onLeased, {
      jobId,
      key: rowsKey,
      attempt,
      window: data.rowWindow ?? ctx.options.rowWindow,
      pollMs: ctx.options.pollIntervalMs,
      consumerTimeoutMs: ctx.options.consumerTimeoutMs,
      signal: controller.signal,
      onPause: (unreadRows) => {
        ctx.counters.backpressurePauses += 1;
        publishCluster('backpressure', { jobId, node: nodeId, unreadRows });
      },
    });
    await finish({ ok: true, attempt, node: nodeId, warm, value });
  } catch (error) {
    if (lockLost) return;
    const wire = clusterError(error, { jobId }).toWire();
    const data = job.data as Partial<ClusterJobData>;
    const retry =
      (ctx.options.retryOn ?? DEFAULT_RETRY_ON).includes(wire.code) &&
      attempt > 0 &&
      attempt < (data.maxAttempts ?? 1) &&
      !controller.signal.aborted;
    try {
      if (retry) {
        await redis.hset(metaKey, 'lastError', JSON.stringify(wire));
        ctx.counters.retried += 1;
        publishCluster('job-retried', { jobId, node: nodeId, attempt, code: wire.code });
        await job.moveToFailed(new Error(wire.code), token, false);
      } else {
        if (wire.code === ErrorCode.ABORTED) ctx.counters.cancelled += 1;
        await finish({ ok: false, attempt: Math.max(1, attempt), node: nodeId, warm, error: wire });
      }
    } catch (redisError) {
      // Redis is away: the job's lock lapses and the stalled check hands it out again.
      throw clusterError(redisError, { jobId });
    }
  } finally {
    clearInterval(lockTimer);
    ctx.cancels.delete(jobId);
  }
}

/** Lease a worker for the source, announce the attempt, run the command; a stream's rows go to Redis as they come. */
async function runOnLease(
  ctx: JobContext,
  data: ClusterJobData,
  source: LeanWorkerSource,
  onLeased: (warm: boolean) => Promise<void>,
  writer: ConstructorParameters<typeof RowWriter>[1],
): Promise<unknown> {
  const { signal } = writer;
  const lease = await ctx.pool.acquireLease(source, { signal });
  try {
    // A worker that has served a request before has its session open: the attempt is warm.
    await onLeased(lease.snapshot().requests > 0);
    const request: unknown = JSON.parse(data.requestJson);
    const options = { signal, timeoutMs: data.timeoutMs, idleTimeoutMs: data.idleTimeoutMs };
    if (data.kind === 'json') return await lease.runJsonCommand(jsonCommand(data.export), request, options);
    const rows = new RowWriter(ctx.redis, writer);
    const stream = lease.runDataStream(data.export, request, options);
    try {
      for await (const row of stream) await rows.push(row);
      const summary = await stream.summary;
      await rows.flush();
      return summary;
    } finally {
      // Cancels a request still running (the writer failed) and waits until the lease is free.
      await stream[Symbol.asyncDispose]();
    }
  } finally {
    lease.release();
  }
}
