/**
 * LeanWorkerCluster: the client of a cluster of nodes. It submits typed commands (the same
 * `defineStreamingCommand` / `defineJsonCommand` objects a lease runs) for a cluster source,
 * routes each to a warm node or the cold queue, and gives back the shape a lease gives: a stream
 * of typed rows with a `summary`, or the typed response, and the same typed errors.
 */
import { randomUUID } from 'node:crypto';
import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  checkCommand,
  decodeWith,
  encodeCommandRequest,
  type LeanWorkerJsonCommand,
  type LeanWorkerStreamingCommand,
  streamDecoders,
} from '../commands.js';
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import { parseOptions } from '../parse-options.js';
import { buildClusterSnapshot, type LeanWorkerClusterSnapshot } from './announce.js';
import { type Decoders, LeanWorkerClusterStream, type StreamHost } from './cluster-stream.js';
import { publishCluster } from './events.js';
import {
  clusterSchema,
  jobSchema,
  type LeanWorkerClusterJobOptions,
  type LeanWorkerClusterOptions,
  type ResolvedClusterOptions,
} from './options.js';
import { bounded, closeQuietly, connect, redisOptions } from './redis.js';
import { Router } from './router.js';
import { RowReader } from './row-reader.js';
import { type ClusterJobData, type ClusterKeys, clusterKeys, type LeanWorkerClusterSource } from './wire.js';

/** How long a job's state is kept while it has not finished. */
const PENDING_TTL_MS = 86_400_000;
/** How long a finished job stays in its queue (BullMQ: in seconds). */
const KEPT = { age: 600 };

export class LeanWorkerCluster {
  readonly #o: ResolvedClusterOptions;
  readonly #keys: ClusterKeys;
  #conn: { redis: Redis; reader: RowReader; router: Router } | null = null;
  readonly #queues = new Map<string, Queue>();
  readonly #open = new Set<LeanWorkerClusterStream>();
  readonly #ended = { jobs: 0, warm: 0 };
  /** Cancellations being written, waited for by `close()`. */
  readonly #cancelling = new Set<Promise<void>>();
  /** Quiet jobs found in no queue on the last look. */
  readonly #suspect = new Set<string>();
  /** Jobs still being submitted: Redis may hold neither their hash nor their queue entry yet. */
  readonly #submitting = new Set<string>();
  #closed = false;

  constructor(options: LeanWorkerClusterOptions = {}) {
    this.#o = parseOptions(clusterSchema, options ?? {}, 'cluster options');
    this.#keys = clusterKeys(this.#o.prefix);
  }

  #connection() {
    if (this.#closed) throw makeError(ErrorCode.POOL_CLOSED, 'the cluster client is closed');
    if (!this.#conn) {
      const redis = connect(this.#o.redis, 'command');
      const reader = new RowReader(connect(this.#o.redis, 'blocking'), redis, this.#o);
      this.#conn = { redis, reader, router: new Router(redis, this.#keys, this.#o) };
    }
    return this.#conn;
  }

  #queue(name: string): Queue {
    let queue = this.#queues.get(name);
    if (!queue) {
      const connection = redisOptions(this.#o.redis, 'blocking');
      queue = new Queue(name, { connection, prefix: this.#keys.bullPrefix }).on('error', () => {});
      this.#queues.set(name, queue);
    }
    return queue;
  }

  /** Run a typed streaming command for `source` on some node; rows are tentative until `summary`. */
  runStreamingCommand<Req, Row, Summary>(
    source: LeanWorkerClusterSource,
    command: LeanWorkerStreamingCommand<Req, Row, Summary>,
    request: Req,
    options: LeanWorkerClusterJobOptions = {},
  ): LeanWorkerClusterStream<Row, Summary> {
    checkCommand(command, 'stream');
    return this.#submit(source, command, request, options, streamDecoders(command, false));
  }

  /** Run a typed JSON command for `source` on some node. */
  async runJsonCommand<Req, Resp>(
    source: LeanWorkerClusterSource,
    command: LeanWorkerJsonCommand<Req, Resp>,
    request: Req,
    options: LeanWorkerClusterJobOptions = {},
  ): Promise<Resp> {
    checkCommand(command, 'json');
    const job = this.#submit(source, command, request, options, { decodeSummary: (s) => s });
    const { value } = await job.end;
    return decodeWith(ErrorCode.RESPONSE_DECODE, command.response, value, { export: command.export });
  }

  #submit<Row, Summary>(
    source: LeanWorkerClusterSource,
    command: LeanWorkerJsonCommand<unknown, unknown> | LeanWorkerStreamingCommand<unknown, Row, Summary>,
    request: unknown,
    options: LeanWorkerClusterJobOptions,
    decoders: Decoders<Row, Summary>,
  ): LeanWorkerClusterStream<Row, Summary> {
    if (typeof source?.affinityKey !== 'string' || typeof source.name !== 'string') {
      throw makeError(ErrorCode.INVALID_ARGUMENT, 'expected a cluster source (clusterSource(name, params))', {
        facts: { argument: 'source', received: source === null ? 'null' : typeof source },
      });
    }
    const o = parseOptions(jobSchema, options ?? {}, 'cluster job options');
    const requestJson = encodeCommandRequest(command.export, command.request, request);
    const jobId = randomUUID();
    const stream = new LeanWorkerClusterStream(jobId, this.#keys.rows(jobId), this.#host(), decoders);
    this.#open.add(stream);
    stream.end.then(
      ({ facts }) => {
        this.#ended.jobs += 1;
        if (facts.warm) this.#ended.warm += 1;
      },
      () => {},
    );
    if (o.signal?.aborted) {
      stream.cancel(o.signal.reason);
      return stream;
    }
    o.signal?.addEventListener('abort', () => stream.cancel(o.signal?.reason), { once: true });
    const data: ClusterJobData = {
      v: 1,
      source: { name: source.name, params: source.params, affinityKey: source.affinityKey },
      kind: command.kind,
      export: command.export,
      requestJson,
      // Absent when undefined: the job's data crosses Redis as JSON.
      timeoutMs: o.timeoutMs,
      idleTimeoutMs: o.idleTimeoutMs,
      maxAttempts: o.maxAttempts ?? this.#o.maxAttempts,
      submittedAt: Date.now(),
      routedTo: null,
    };
    this.#submitting.add(stream.jobId);
    this.#enqueue(stream, data)
      .catch((error: unknown) => stream.fail(error as LeanWorkerError))
      .finally(() => this.#submitting.delete(stream.jobId));
    return stream;
  }

  async #enqueue(stream: LeanWorkerClusterStream, data: ClusterJobData): Promise<void> {
    const { redis, reader, router } = this.#connection();
    const limit = this.#o.redisTimeoutMs;
    const jobId = stream.jobId;
    const { affinityKey } = data.source;
    const route = await bounded(router.route(affinityKey), limit, { jobId });
    const meta = { queue: route.queue, affinityKey, routedTo: route.node ?? '' };
    const key = this.#keys.job(jobId);
    await bounded(redis.multi().hset(key, meta).pexpire(key, PENDING_TTL_MS).exec(), limit, { jobId });
    // The reader starts before the job can run, so no entry is missed.
    reader.open(stream);
    const opts = { jobId, attempts: data.maxAttempts, removeOnComplete: KEPT, removeOnFail: KEPT };
    const added = this.#queue(route.queue).add('job', { ...data, routedTo: route.node }, opts);
    await bounded(added, limit, { jobId });
    publishCluster('job-submitted', { jobId, queue: route.queue, routedTo: route.node, affinityKey });
  }

  #host(): StreamHost {
    const { redis, reader } = this.#connection();
    return {
      checkIntervalMs: this.#o.jobCheckIntervalMs,
      bufferRows: this.#o.bufferRows,
      trim: (key, minId) => {
        redis.xtrim(key, 'MINID', minId).catch(() => {});
        reader.poke();
      },
      finished: (stream) => {
        reader.close(stream);
        this.#open.delete(stream);
        this.#suspect.delete(stream.jobId);
        redis.del(stream.key).catch(() => {});
      },
      cancel: (jobId) => this.#cancel(jobId),
      check: (jobId) => this.#check(jobId),
    };
  }

  /** Tell the job's node (PUBLISH) and any later one (the job's hash); drop it if still waiting. */
  #cancel(jobId: string): void {
    const redis = this.#conn?.redis;
    if (!redis) return;
    const run = async () => {
      await redis
        .multi()
        .hset(this.#keys.job(jobId), 'cancelled', '1')
        .publish(this.#keys.cancelChannel, jobId)
        .exec();
      const queue = await redis.hget(this.#keys.job(jobId), 'queue');
      const job = queue ? await Job.fromId(this.#queue(queue), jobId) : undefined;
      if (job && (await job.isWaiting())) await job.remove().catch(() => {});
    };
    const done: Promise<void> = bounded(run(), this.#o.redisTimeoutMs)
      .catch(() => {})
      .finally(() => this.#cancelling.delete(done));
    this.#cancelling.add(done);
  }

  /** A job that has been quiet: is it still somewhere? Its error when it is lost. */
  async #check(jobId: string): Promise<LeanWorkerError | null> {
    if (this.#submitting.has(jobId)) return null;
    const { redis } = this.#connection();
    try {
      return await bounded(this.#lost(redis, jobId), this.#o.redisTimeoutMs, { jobId });
    } catch (error) {
      return error as LeanWorkerError;
    }
  }

  /**
   * A job whose Redis hash is gone was lost with Redis's data (CLUSTER_UNAVAILABLE); one that
   * BullMQ failed without a terminal entry, or that is in no queue, on two looks in a row, lost its
   * node (NODE_LOST). Two looks, because a move to the cold queue leaves the job in neither queue
   * for a moment. Null while it is somewhere, or finished (its entry is coming).
   */
  async #lost(redis: Redis, jobId: string): Promise<LeanWorkerError | null> {
    const meta = await redis.hgetall(this.#keys.job(jobId));
    if (!meta.queue) {
      return makeError(ErrorCode.CLUSTER_UNAVAILABLE, "the cluster's Redis lost the job's state", {
        facts: { jobId, reason: 'job_state_lost' },
      });
    }
    if (meta.done === '1') return null;
    const job = await Job.fromId(this.#queue(meta.queue), jobId);
    const state = job ? await job.getState() : 'unknown';
    const suspected = this.#suspect.delete(jobId);
    if (state !== 'failed' && state !== 'unknown') return null;
    if (!suspected) {
      this.#suspect.add(jobId);
      return null;
    }
    const reason = state === 'failed' ? 'failed_without_outcome' : 'job_missing';
    const facts = { jobId, reason, node: meta.lastNode ?? null, attempts: Number(meta.attempt ?? 0) };
    return makeError(ErrorCode.NODE_LOST, 'the cluster job is no longer in any queue', { facts });
  }

  /** Nodes, their warm keys, queue depths and the affinity hit rate. */
  async snapshot(): Promise<LeanWorkerClusterSnapshot> {
    const { router } = this.#connection();
    const limit = this.#o.redisTimeoutMs;
    const nodes = await bounded(router.nodes(), limit);
    const depth = (name: string) =>
      bounded(this.#queue(name).getJobCounts('wait', 'active', 'delayed', 'prioritized'), limit);
    const cold = await depth(this.#keys.coldQueue);
    const perNode = await Promise.all(nodes.map((n) => depth(n.queue)));
    return buildClusterSnapshot(nodes, cold, perNode, {
      routedWarm: router.routedWarm,
      routedCold: router.routedCold,
      jobsEnded: this.#ended.jobs,
      endedWarm: this.#ended.warm,
      openJobs: this.#open.size,
    });
  }

  /** Cancel open jobs (their nodes are told), then disconnect. */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const stream of [...this.#open]) stream.cancel();
    this.#closed = true;
    await Promise.all([...this.#cancelling]);
    await this.#conn?.reader.shutdown();
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    if (this.#conn) await closeQuietly(this.#conn.redis);
  }
}
