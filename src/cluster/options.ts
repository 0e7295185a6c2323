/**
 * Options of a cluster node and of a cluster client, each validated once with a strict zod schema
 * (a misspelt key is INVALID_OPTIONS). Both name the same Redis and the same key prefix; every
 * duration is in milliseconds and at most `MAX_TIMER_MS`.
 */
import { z } from 'zod';
import { MAX_TIMER_MS } from '../protocol/constants.js';

const ms = () => z.number().int().positive().max(MAX_TIMER_MS);
/** A node id or a source name. */
export const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const PREFIX = /^[A-Za-z0-9_-]{1,64}$/;

/** Where Redis is: plain connection facts, so that every connection the cluster opens is its own. */
const redisSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(1).max(65_535).default(6379),
    username: z.string().optional(),
    password: z.string().optional(),
    db: z.number().int().nonnegative().optional(),
    tls: z.boolean().optional(),
  })
  .strict();

export type ClusterRedisOptions = z.input<typeof redisSchema>;
export type ResolvedRedisOptions = z.output<typeof redisSchema>;

const shared = {
  redis: redisSchema.default({ host: '127.0.0.1', port: 6379 }),
  /** A prefix shared by every key and queue of one cluster: letters, digits, `-` and `_`. */
  prefix: z.string().regex(PREFIX).default('lwp'),
};

const sourceResolver = z.custom<(params: unknown) => unknown>((v) => typeof v === 'function', {
  message: 'expected a function of the source params',
});

export const nodeSchema = z
  .object({
    ...shared,
    /** This node's id (its queue is `node-<id>`); default: host name, pid and a random suffix. */
    id: z.string().regex(NAME).optional(),
    /** The pool the node runs its jobs on (a `LeanWorkerPool`, owned by the caller). */
    pool: z.custom<object>((v) => typeof v === 'object' && v !== null, {
      message: 'expected a LeanWorkerPool',
    }),
    /** Source name -> a function building the worker source from the job's params. */
    sources: z.record(z.string(), sourceResolver),
    /** Jobs run at once; default: the pool's `maxWorkers`. */
    concurrency: z.number().int().positive().max(1024).optional(),
    heartbeatIntervalMs: ms().default(1_000),
    /** How long an announcement lives without a renewal: past it the node counts as dead. */
    heartbeatTtlMs: ms().default(5_000),
    /** How often the node looks for work when its last look found none. */
    pollIntervalMs: ms().default(25),
    /** BullMQ lock of a running job; renewed every half of it. */
    lockDurationMs: ms().default(10_000),
    /** How often the node checks its own and the cold queue for stalled jobs. */
    stalledIntervalMs: ms().default(5_000),
    /** A job waiting on this node's own queue longer than this moves to the cold queue. */
    maxWarmWaitMs: ms().default(2_000),
    /** How often dead nodes are swept and overdue waiting jobs moved. */
    sweepIntervalMs: ms().default(1_000),
    /** Memory a cold start needs free (pool budget and machine headroom) before a cold job is taken. */
    coldStartReserveKib: z.number().int().nonnegative().default(0),
    /** Unread rows a job may have in Redis before the node stops reading its child. */
    rowWindow: z.number().int().min(4).max(100_000).default(512),
    /** A client that reads nothing for this long is gone: the job is cancelled. */
    consumerTimeoutMs: ms().default(60_000),
    /** Codes whose failure is retried (up to the job's attempts); others end the job at once. */
    retryOn: z.array(z.string()).optional(),
    /** How long finished jobs' rows and state stay in Redis. */
    resultTtlMs: ms().default(600_000),
  })
  .strict();

export type LeanWorkerNodeOptions = z.input<typeof nodeSchema>;
export type ResolvedNodeOptions = z.output<typeof nodeSchema>;

export const clusterSchema = z
  .object({
    ...shared,
    /** Route by affinity (default) or send every job to the cold queue (a baseline for comparison). */
    routing: z.enum(['affinity', 'cold']).default('affinity'),
    /** A warm node is chosen only while its announced waiting jobs are fewer than this. */
    maxWarmQueue: z.number().int().nonnegative().default(2),
    /** How long the client reuses one reading of the nodes' announcements. */
    routeCacheMs: z.number().int().nonnegative().max(MAX_TIMER_MS).default(200),
    /** Attempts of each job (a crash, a lost node, a retryable failure start another). */
    maxAttempts: z.number().int().min(1).max(100).default(3),
    /** Longest wait of one blocking read of rows. */
    blockMs: ms().default(1_000),
    /** With no entry for this long, the client checks the job's state in its queue. */
    jobCheckIntervalMs: ms().default(2_000),
    /** A Redis command (not a blocking read) that takes longer fails the job with CLUSTER_UNAVAILABLE. */
    redisTimeoutMs: ms().default(5_000),
    /** Rows the client buffers per job before it stops reading that job's stream. */
    bufferRows: z.number().int().min(1).max(100_000).default(256),
  })
  .strict();

export type LeanWorkerClusterOptions = z.input<typeof clusterSchema>;
export type ResolvedClusterOptions = z.output<typeof clusterSchema>;

/** Per-job options of the client. */
export const jobSchema = z
  .object({
    signal: z.instanceof(AbortSignal).optional(),
    /** Total deadline of the command on the node (per attempt). */
    timeoutMs: ms().optional(),
    /** Deadline with no frame from the child, on the node; 0 disables. */
    idleTimeoutMs: z.number().int().nonnegative().max(MAX_TIMER_MS).optional(),
    /** Attempts of this job; default: the cluster's `maxAttempts`. */
    maxAttempts: z.number().int().min(1).max(100).optional(),
  })
  .strict();

export type LeanWorkerClusterJobOptions = z.input<typeof jobSchema>;
