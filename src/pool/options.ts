/**
 * Pool options: one strict zod schema, parsed once in the constructor. A misspelt key is an
 * error. Defaults are exported constants, documented in the README options table.
 */
import { z } from 'zod';
import { lazySchema, parseOptions } from '../parse-options.js';
import { MAX_TIMER_MS } from '../protocol/constants.js';
import { DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT } from '../protocol/json-depth.js';
import { poolPolicySchema } from '../protocol/worker-policy.js';
import { threadEntrySchema } from '../worker/entry-option.js';

/** Workers (distinct children) the pool runs at once. */
export const DEFAULT_MAX_WORKERS = 1;
/** How long `acquireLease` waits in the queue by default. */
export const DEFAULT_QUEUE_WAIT_TIMEOUT_MS = 30_000;
/** Waiters the admission queue holds before refusing with QUEUE_FULL. */
export const DEFAULT_MAX_QUEUED_ACQUIRES = 1_024;
/** Background memory sampling period of live workers (never on the request path). */
export const DEFAULT_MEMORY_SAMPLE_INTERVAL_MS = 1_000;
/** Times the oldest waiter may be passed over by same-key waiters before it is served first. */
export const DEFAULT_MAX_WAITER_BYPASSES = 2;
/** Memory left free on the machine and in the cgroup when admitting a cold worker (256 MiB). */
export const DEFAULT_SYSTEM_MEMORY_RESERVE_KIB = 256 * 1024;
/** Row batches a consumer may hold before the supervisor stops reading the child. */
export const DEFAULT_ROW_BATCH_CREDIT = 8;

/** Longest `client` name an acquire may give. */
export const MAX_CLIENT_LENGTH = 256;

/** The schema, built by the first pool (importing the package builds no zod schema). */
function buildPoolOptionsSchema() {
  const positiveInt = z.number().int().positive();
  const nonNegativeInt = z.number().int().nonnegative();
  /** Milliseconds a timer can wait: at most 2^31 - 1, or Node fires it at once. */
  const positiveMs = positiveInt.max(MAX_TIMER_MS);
  const nonNegativeMs = nonNegativeInt.max(MAX_TIMER_MS);
  return z
    .object({
      maxWorkers: positiveInt.default(DEFAULT_MAX_WORKERS),
      /** Budget for all children together, in KiB of the chosen memory measure. */
      maxTotalChildMemoryKib: positiveInt.optional(),
      queueWaitTimeoutMs: nonNegativeMs.default(DEFAULT_QUEUE_WAIT_TIMEOUT_MS),
      maxQueuedAcquires: nonNegativeInt.default(DEFAULT_MAX_QUEUED_ACQUIRES),
      /** The worker policy of every worker, unless its builder's `policy` sets a field. */
      policy: poolPolicySchema().default(() => poolPolicySchema().parse({})),
      /** Which figure decisions use: private (RssAnon+RssShmem), pss, or rss (counts shared pages per worker). */
      memoryMeasure: z.enum(['private', 'pss', 'rss']).default('private'),
      memorySampleIntervalMs: positiveMs.default(DEFAULT_MEMORY_SAMPLE_INTERVAL_MS),
      /** Predicted cost of a key never opened before (KiB); 0 predicts the largest cost learned. */
      defaultWorkerCostKib: nonNegativeInt.default(0),
      /**
       * Which idle worker a cold open evicts: `lru`, the least recently used, or `cost`, the one
       * whose loss costs least (decayed request frequency x learned open time / learned memory).
       */
      eviction: z.enum(['lru', 'cost']).default('lru'),
      /**
       * While this many cold opens for callers are under way, a caller whose open would first
       * evict an idle worker waits (0: no limit). The workers those opens bring join the idle
       * ones before the next victim is chosen, so the eviction policy has a choice: fewer imports
       * when callers outnumber warm slots, at the cost of opens run in parallel.
       */
      maxEvictingStarts: nonNegativeInt.max(1_024).default(0),
      maxWaiterBypasses: nonNegativeInt.default(DEFAULT_MAX_WAITER_BYPASSES),
      /**
       * Spare workers the pool keeps at most: a second worker of a hot key whose worker is busy or
       * restarting, started in the background when nobody waits, a slot is free and it fits the
       * budget without an eviction. 0 starts none.
       */
      spares: nonNegativeInt.max(1_024).default(0),
      /**
       * Start the replacement of a worker that is used up (or near its `maxRequests`: fewer
       * requests left than one cold open lasts, or past 90% of its memory ceiling) in the
       * background when a slot and memory allow, and retire the old one once the new one is ready
       * and it is idle; else it is cycled in place before its next lease.
       */
      replaceInBackground: z.boolean().default(true),
      /**
       * Weight of each `client` named on acquire in the weighted fair queue (1 for any other):
       * a client of weight 2 is served twice as often as one of weight 1 while both wait.
       */
      clientWeights: z
        .record(z.string().min(1).max(MAX_CLIENT_LENGTH), z.number().positive().max(1_000_000).finite())
        .default({}),
      rowBatchCredit: positiveInt.default(DEFAULT_ROW_BATCH_CREDIT),
      /**
       * Deepest nesting of arrays and objects accepted in JSON from a child. A deeper frame is a
       * PROTOCOL error (`reason: 'nesting_too_deep'`) and the child is replaced.
       */
      maxJsonDepth: positiveInt.max(MAX_JSON_DEPTH_LIMIT).default(DEFAULT_MAX_JSON_DEPTH),
      /**
       * Nice value (0-19) of the children (every thread of them): above 0 the pool's work yields
       * the cores to the application's own threads (an Electron main process) when both want
       * them. The supervisor threads keep the application's priority: they share a lock with main.
       * `threads/priority.ts` says how it is applied per platform, and why.
       */
      workerNice: nonNegativeInt.max(19).default(0),
      /**
       * Linux: run the children under the SCHED_IDLE policy, so that a waking thread of the
       * application takes a core from them at once where they share its scheduling group
       * (children leading their own sessions are weighed as groups first). Never the supervisor
       * threads: they share a lock with main. Ignored elsewhere and where `chrt` is missing or
       * refused. `threads/priority.ts` says why.
       */
      workerSchedIdle: z.boolean().default(false),
      /**
       * Linux: the CPUs (numbers as in `/proc/cpuinfo`) the supervisor threads and the children
       * may run on, e.g. every CPU but 0 to keep one for the application's main thread. Ignored
       * elsewhere and where `taskset` is missing or refused; CPUs the machine lacks are left out
       * (and where none is left, nothing changes).
       */
      workerCpus: z.array(nonNegativeInt.max(4_095)).min(1).max(4_096).optional(),
      /**
       * KiB to leave free on the machine (MemAvailable) and in the pool's cgroup: a cold worker
       * whose predicted cost would eat into it waits or is refused. `false` ignores system memory.
       */
      systemMemoryReserveKib: z
        .union([nonNegativeInt, z.literal(false)])
        .default(DEFAULT_SYSTEM_MEMORY_RESERVE_KIB),
      /** The supervisor thread's entry file (`file:` URL or absolute path); absent, the package's own. */
      supervisorEntry: threadEntrySchema().optional(),
    })
    .strict();
}

export const poolOptionsSchema = lazySchema(buildPoolOptionsSchema);

/** Options as callers write them (every field optional). */
export type LeanWorkerPoolOptions = z.input<ReturnType<typeof buildPoolOptionsSchema>>;
/** Options with every default filled, plus the pool's id (`pool-1`, `pool-2`, ... per process). */
export type ResolvedPoolOptions = z.output<ReturnType<typeof buildPoolOptionsSchema>> & {
  readonly poolId: string;
};

let poolCount = 0;

/** Validate pool options; a failure is INVALID_OPTIONS listing the issues. */
export function parsePoolOptions(options: unknown): ResolvedPoolOptions {
  const parsed = parseOptions(poolOptionsSchema(), options ?? {}, 'pool options');
  poolCount += 1;
  return { ...parsed, poolId: `pool-${poolCount}` };
}
