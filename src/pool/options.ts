/**
 * Pool options: one strict zod schema, parsed once in the constructor. A misspelt key is an
 * error. Defaults are exported constants, documented in the README options table.
 */
import { z } from 'zod';
import { ErrorCode, makeError } from '../errors.js';
import { MAX_TIMER_MS } from '../protocol/constants.js';
import { DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT } from '../protocol/json-depth.js';
import type { WorkerPolicy } from '../protocol/worker-spec.js';

/** Workers (distinct children) the pool runs at once. */
export const DEFAULT_MAX_WORKERS = 1;
/** How long `acquireLease` waits in the queue by default. */
export const DEFAULT_QUEUE_WAIT_TIMEOUT_MS = 30_000;
/** Waiters the admission queue holds before refusing with QUEUE_FULL. */
export const DEFAULT_MAX_QUEUED_ACQUIRES = 1_024;
/** Restarts allowed per worker within the window before it is quarantined. */
export const DEFAULT_RESTART_INTENSITY = 16;
export const DEFAULT_RESTART_WINDOW_MS = 60_000;
export const DEFAULT_RESTART_BACKOFF_BASE_MS = 10;
export const DEFAULT_RESTART_BACKOFF_MAX_MS = 2_000;
/** How long a key that crash-looped fails fast. */
export const DEFAULT_QUARANTINE_MS = 30_000;
/** Background memory sampling period of live workers (never on the request path). */
export const DEFAULT_MEMORY_SAMPLE_INTERVAL_MS = 1_000;
/** Times the oldest waiter may be passed over by same-key waiters before it is served first. */
export const DEFAULT_MAX_WAITER_BYPASSES = 2;
/** Memory left free on the machine and in the cgroup when admitting a cold worker (256 MiB). */
export const DEFAULT_SYSTEM_MEMORY_RESERVE_KIB = 256 * 1024;
/** Row batches a consumer may hold before the supervisor stops reading the child. */
export const DEFAULT_ROW_BATCH_CREDIT = 8;

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
/** Milliseconds a timer can wait: at most 2^31 - 1, or Node fires it at once. */
const positiveMs = positiveInt.max(MAX_TIMER_MS);
const nonNegativeMs = nonNegativeInt.max(MAX_TIMER_MS);

export const restartPolicySchema = z
  .object({
    /** Cycle a worker after this many requests in one generation. */
    maxRequests: positiveInt.optional(),
    /**
     * Cycle a worker before its next command once its generation opened its session more than
     * this many times (a reopen after the child lost its session counts).
     */
    maxImports: positiveInt.optional(),
    /** Kill a child whose private memory passes this while a request runs. */
    hardMemoryLimitKib: positiveInt.optional(),
    maxRestarts: positiveInt.default(DEFAULT_RESTART_INTENSITY),
    windowMs: positiveMs.default(DEFAULT_RESTART_WINDOW_MS),
    backoffBaseMs: nonNegativeMs.default(DEFAULT_RESTART_BACKOFF_BASE_MS),
    backoffMaxMs: nonNegativeMs.default(DEFAULT_RESTART_BACKOFF_MAX_MS),
    quarantineMs: nonNegativeMs.default(DEFAULT_QUARANTINE_MS),
  })
  .strict();

export const poolOptionsSchema = z
  .object({
    maxWorkers: positiveInt.default(DEFAULT_MAX_WORKERS),
    /** Budget for all children together, in KiB of the chosen memory measure. */
    maxTotalChildMemoryKib: positiveInt.optional(),
    /** Cycle a worker before it takes more work once its memory reaches this. */
    perWorkerMemoryCeilingKib: positiveInt.optional(),
    /** Cycle a worker idle for this long (measured from the end of its last request). */
    idleCycleAfterMs: positiveMs.optional(),
    queueWaitTimeoutMs: nonNegativeMs.default(DEFAULT_QUEUE_WAIT_TIMEOUT_MS),
    maxQueuedAcquires: nonNegativeInt.default(DEFAULT_MAX_QUEUED_ACQUIRES),
    restart: restartPolicySchema.default(() => restartPolicySchema.parse({})),
    /** Which figure decisions use: private (RssAnon+RssShmem), pss, or rss (counts shared pages per worker). */
    memoryMeasure: z.enum(['private', 'pss', 'rss']).default('private'),
    memorySampleIntervalMs: positiveMs.default(DEFAULT_MEMORY_SAMPLE_INTERVAL_MS),
    /** Predicted cost of a key never opened before (KiB); 0 predicts from other keys' mean. */
    defaultWorkerCostKib: nonNegativeInt.default(0),
    maxWaiterBypasses: nonNegativeInt.default(DEFAULT_MAX_WAITER_BYPASSES),
    rowBatchCredit: positiveInt.default(DEFAULT_ROW_BATCH_CREDIT),
    /**
     * Deepest nesting of arrays and objects accepted in JSON from a child. A deeper frame is a
     * PROTOCOL error (`reason: 'nesting_too_deep'`) and the child is replaced.
     */
    maxJsonDepth: positiveInt.max(MAX_JSON_DEPTH_LIMIT).default(DEFAULT_MAX_JSON_DEPTH),
    /**
     * KiB to leave free on the machine (MemAvailable) and in the pool's cgroup: a cold worker
     * whose predicted cost would eat into it waits or is refused. `false` ignores system memory.
     */
    systemMemoryReserveKib: z
      .union([nonNegativeInt, z.literal(false)])
      .default(DEFAULT_SYSTEM_MEMORY_RESERVE_KIB),
  })
  .strict();

/** Options as callers write them (every field optional). */
export type LeanWorkerPoolOptions = z.input<typeof poolOptionsSchema>;
/** Options with every default filled, plus the pool's id (`pool-1`, `pool-2`, ... per process). */
export type ResolvedPoolOptions = z.output<typeof poolOptionsSchema> & { readonly poolId: string };

let poolCount = 0;

/** Validate pool options; a ZodError becomes INVALID_OPTIONS with the issues as facts. */
export function parsePoolOptions(options: unknown): ResolvedPoolOptions {
  const parsed = poolOptionsSchema.safeParse(options ?? {});
  if (!parsed.success) {
    throw makeError(ErrorCode.INVALID_OPTIONS, `invalid pool options: ${z.prettifyError(parsed.error)}`, {
      facts: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code })) },
      cause: parsed.error,
    });
  }
  poolCount += 1;
  return { ...parsed.data, poolId: `pool-${poolCount}` };
}

/** The policy one worker runs under: its builder's settings over the pool's. */
export interface EffectivePolicy {
  /** The pool the worker belongs to, named in its events. */
  readonly poolId: string;
  readonly maxRequests: number | undefined;
  readonly maxImports: number | undefined;
  readonly memoryCeilingKib: number | undefined;
  readonly idleCycleMs: number | undefined;
  readonly hardMemoryLimitKib: number | undefined;
  readonly intensity: {
    readonly maxRestarts: number;
    readonly windowMs: number;
    readonly backoffBaseMs: number;
    readonly backoffMaxMs: number;
  };
}

/** Merge a builder's restart policy (each field it sets wins) over the pool options. */
export function effectivePolicy(
  options: ResolvedPoolOptions,
  worker: WorkerPolicy | null | undefined,
): EffectivePolicy {
  const r = options.restart;
  return {
    poolId: options.poolId,
    maxRequests: worker?.maxRequests ?? r.maxRequests,
    maxImports: worker?.maxImports ?? r.maxImports,
    memoryCeilingKib: worker?.memoryCeilingKib ?? options.perWorkerMemoryCeilingKib,
    idleCycleMs: worker?.idleCycleMs ?? options.idleCycleAfterMs,
    hardMemoryLimitKib: r.hardMemoryLimitKib,
    intensity: {
      maxRestarts: worker?.restartIntensity?.maxRestarts ?? r.maxRestarts,
      windowMs: worker?.restartIntensity?.windowMs ?? r.windowMs,
      backoffBaseMs: r.backoffBaseMs,
      backoffMaxMs: r.backoffMaxMs,
    },
  };
}
