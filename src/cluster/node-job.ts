/**
 * One attempt of one job on a node: count the attempt, rebuild the source, take a lease, run the
 * command, write its rows and exactly one terminal entry to the job's row stream, then settle the
 * BullMQ job. A failure the cluster retries goes back to its queue without a terminal entry; a
 * lost lock (the job was given to another node) ends the attempt without writing anything more.
 */
import { type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defineJsonCommand } from '../commands.js';
import { ErrorCode, makeError, type WireError } from '../errors.js';
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

/** What a started node shares with its jobs' attempts and its sweeper. */
export interface NodeContext {
  readonly nodeId: string;
  readonly redis: Redis;
  readonly keys: ClusterKeys;
  readonly pool: LeanWorkerPool;
  readonly options: ResolvedNodeOptions;
  readonly warm: WarmKeys;
  readonly counters: NodeCounters;
  /** Running jobs by id, to cancel on a client's request. */
  readonly cancels: Map<string, AbortController>;
  /** This node's own queue, and the cold queue. */
  readonly own: Queue;
  readonly cold: Queue;
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

/** Build the job's source with the node's resolver; an unknown name is not retried. */
function sourceOf(ctx: NodeContext, data: ClusterJobData): LeanWorkerSource {
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

export async function runAttempt(ctx: NodeContext, job: Job, token: string): Promise<void> {
  const jobId = String(job.id);
  const metaKey = ctx.keys.job(jobId);
  const rowsKey = ctx.keys.rows(jobId);
  const { nodeId, redis, options: o, counters } = ctx;
  const controller = new AbortController();
  ctx.cancels.set(jobId, controller);
  let lockLost = false;
  const renew = () => {
    job.extendLock(token, o.lockDurationMs).then(
      (ok) => {
        if (!ok) lockLost = true;
      },
      () => {},
    );
    if (lockLost) controller.abort(new Error('lock lost'));
  };
  const lockTimer = setInterval(renew, Math.max(50, Math.floor(o.lockDurationMs / 2)));
  let attempt = 0;
  let warm = false;

  /** Write the one terminal entry, then settle the BullMQ job. */
  const finish = async (end: EndEntry): Promise<void> => {
    if (lockLost) return;
    await redis
      .multi()
      .xadd(rowsKey, '*', ...entryFields({ kind: 'end', ...end }))
      .hset(metaKey, 'done', '1')
      .pexpire(rowsKey, o.resultTtlMs)
      .pexpire(metaKey, o.resultTtlMs)
      .exec();
    counters[end.ok ? 'succeeded' : 'failed'] += 1;
    publishEnded(jobId, nodeId, end);
    if (end.ok) await job.moveToCompleted('ok', token, false);
    else await job.moveToFailed(new UnrecoverableError(end.error.code), token, false);
  };
  /** End a job that never reached a lease. */
  const refuse = (at: number, node: string | null, error: WireError) =>
    finish({ ok: false, attempt: at, node, warm: false, error });

  try {
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const facts = { reason: 'cluster_job_malformed' };
      const error = makeError(ErrorCode.PROTOCOL, 'a cluster job has malformed data', { facts });
      return await refuse(1, nodeId, error.toWire());
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
      counters.cancelled += 1;
      const facts = { reason: 'cluster_cancelled', sent: false };
      const error = makeError(ErrorCode.ABORTED, 'the cluster job was cancelled before it ran', { facts });
      return await refuse(attempt, nodeId, error.toWire());
    }
    if (attempt > data.maxAttempts) {
      // Earlier attempts ended without a verdict (their node died): the last known error, else NODE_LOST.
      const node = meta?.lastNode ?? null;
      const facts = { jobId, reason: 'attempts_exhausted', attempts: attempt - 1, node };
      const error = meta?.lastError
        ? wireErrorOf(JSON.parse(meta.lastError))
        : makeError(ErrorCode.NODE_LOST, 'the job lost its node on every attempt', { facts }).toWire();
      return await refuse(attempt - 1, node, error);
    }
    const source = sourceOf(ctx, data);
    ctx.warm.link(source.sessionKey(), data.source.affinityKey);
    const onLeased = async (warmWorker: boolean) => {
      warm = warmWorker;
      counters.attempts += 1;
      counters[warm ? 'warmStarts' : 'coldStarts'] += 1;
      await redis
        .multi()
        .xadd(rowsKey, '*', ...entryFields({ kind: 'attempt', attempt, node: nodeId, warm }))
        .hset(metaKey, 'lastNode', nodeId)
        .pexpire(rowsKey, o.resultTtlMs)
        .exec();
      publishCluster('job-attempt', { jobId, node: nodeId, attempt, warm });
    };
    const value = await runOnLease(ctx, data, source, onLeased, {
      jobId,
      key: rowsKey,
      attempt,
      window: o.rowWindow,
      pollMs: o.pollIntervalMs,
      consumerTimeoutMs: o.consumerTimeoutMs,
      signal: controller.signal,
      onPause: (unreadRows) => {
        counters.backpressurePauses += 1;
        publishCluster('backpressure', { jobId, node: nodeId, unreadRows });
      },
    });
    await finish({ ok: true, attempt, node: nodeId, warm, value });
  } catch (error) {
    if (lockLost) return;
    const wire = clusterError(error, { jobId }).toWire();
    const retry =
      (o.retryOn ?? DEFAULT_RETRY_ON).includes(wire.code) &&
      attempt > 0 &&
      attempt < ((job.data as Partial<ClusterJobData>).maxAttempts ?? 1) &&
      !controller.signal.aborted;
    try {
      if (retry) {
        await redis.hset(metaKey, 'lastError', JSON.stringify(wire));
        counters.retried += 1;
        publishCluster('job-retried', { jobId, node: nodeId, attempt, code: wire.code });
        await job.moveToFailed(new Error(wire.code), token, false);
      } else {
        if (wire.code === ErrorCode.ABORTED) counters.cancelled += 1;
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
  ctx: NodeContext,
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
    if (data.kind === 'json') {
      // The schemas are the client's: the node passes values through.
      const command = defineJsonCommand({ export: data.export, request: z.unknown(), response: z.unknown() });
      return await lease.runJsonCommand(command, request, options);
    }
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
