/**
 * The worker policy: when a worker is cycled, killed, restarted or quarantined. One schema with
 * the same names at every level: the pool's `policy` (every field defaulted) and a builder's
 * `policy` (each field it sets overrides the pool's for that builder's workers). Only a builder
 * policy's class (`Default` or `Custom`) enters its session key, as in the original.
 */
import { z } from 'zod';
import { MAX_TIMER_MS } from './constants.js';

/** Restarts allowed per worker within `restartWindowMs` before its key is quarantined. */
export const DEFAULT_MAX_RESTARTS = 16;
export const DEFAULT_RESTART_WINDOW_MS = 60_000;
/** Delay before the second restart in a window; doubles each time after, up to the max. */
export const DEFAULT_RESTART_BACKOFF_BASE_MS = 10;
export const DEFAULT_RESTART_BACKOFF_MAX_MS = 2_000;
/** How long a key that crash-looped fails fast. */
export const DEFAULT_QUARANTINE_MS = 30_000;

/**
 * The two policy schemas, built on first use (building zod schemas, even a `z.lazy`, costs import
 * time): the option schemas that name them are built by the first constructor that parses options.
 */
function buildPolicySchemas() {
  const count = z.number().int().positive();
  const kib = z.number().int().positive();
  /** Milliseconds a timer can wait: at most 2^31 - 1, or Node fires it at once. */
  const positiveMs = count.max(MAX_TIMER_MS);
  const ms = z.number().int().nonnegative().max(MAX_TIMER_MS);

  const fields = {
    /** Cycle a worker after this many requests in one generation. */
    maxRequests: count,
    /**
     * Cycle a worker before its next command once its generation opened its session more than
     * this many times (a reopen after the child lost its session counts).
     */
    maxImports: count,
    /** Cycle a worker before it takes more work once its memory reaches this (KiB). */
    memoryCeilingKib: kib,
    /** Kill a child whose memory passes this while a request runs (KiB): `MEMORY_LIMIT`. */
    hardMemoryLimitKib: kib,
    /** Cycle a worker idle this long (ms, from the end of its last request). */
    idleCycleMs: positiveMs,
    /** Restart intensity: at most this many restarts within `restartWindowMs`, then quarantine. */
    maxRestarts: z.number().int().nonnegative(),
    restartWindowMs: positiveMs,
    restartBackoffBaseMs: ms,
    restartBackoffMaxMs: ms,
    /** How long a key fails fast with `QUARANTINED` after too many restarts or failed starts. */
    quarantineMs: ms,
  };

  const worker = z.object(fields).partial().strict();

  const pool = worker.extend({
    maxRestarts: fields.maxRestarts.default(DEFAULT_MAX_RESTARTS),
    restartWindowMs: fields.restartWindowMs.default(DEFAULT_RESTART_WINDOW_MS),
    restartBackoffBaseMs: fields.restartBackoffBaseMs.default(DEFAULT_RESTART_BACKOFF_BASE_MS),
    restartBackoffMaxMs: fields.restartBackoffMaxMs.default(DEFAULT_RESTART_BACKOFF_MAX_MS),
    quarantineMs: fields.quarantineMs.default(DEFAULT_QUARANTINE_MS),
  });
  return { worker, pool };
}
let built: ReturnType<typeof buildPolicySchemas> | undefined;
const policySchemas = () => {
  built ??= buildPolicySchemas();
  return built;
};

/** A builder's policy: any field it sets overrides the pool's. Unknown keys are refused. */
export const workerPolicySchema = () => policySchemas().worker;
/** The pool's policy: the same fields, the restart ones defaulted. */
export const poolPolicySchema = () => policySchemas().pool;

/** A builder's worker policy (every field optional; absent: the pool's). */
export type WorkerPolicy = z.infer<ReturnType<typeof workerPolicySchema>>;
/** The pool's worker policy, defaults filled. */
export type PoolPolicy = z.output<ReturnType<typeof poolPolicySchema>>;

/** The policy one worker runs under: its builder's fields over the pool's. */
export type EffectivePolicy = PoolPolicy & {
  /** The pool the worker belongs to, named in its events. */
  readonly poolId: string;
};

/** Merge a builder's policy (each field it sets wins) over the pool's. */
export function effectivePolicy(
  pool: PoolPolicy,
  poolId: string,
  worker: WorkerPolicy | null | undefined,
): EffectivePolicy {
  const set = Object.entries(worker ?? {}).filter(([, value]) => value !== undefined);
  return { ...pool, ...Object.fromEntries(set), poolId };
}

/** `Default` when the policy is absent or sets only the defaults; otherwise `Custom`. */
export type RestartPolicyClass = 'Default' | 'Custom';

/** The pool's defaults, parsed on first use (a first parse compiles the schema: not on import). */
let defaults: Readonly<Record<string, number | undefined>> | null = null;

/** Class of a builder's policy, as the original computes it for the session key. */
export function restartPolicyClass(policy: WorkerPolicy | null | undefined): RestartPolicyClass {
  defaults ??= poolPolicySchema().parse({});
  const known = defaults;
  const custom = Object.entries(policy ?? {}).some(([k, v]) => v !== undefined && v !== known[k]);
  return custom ? 'Custom' : 'Default';
}

/** The restart intensity a supervisor enforces for `policy`. */
export function restartIntensity(policy: PoolPolicy) {
  return {
    maxRestarts: policy.maxRestarts,
    windowMs: policy.restartWindowMs,
    backoffBaseMs: policy.restartBackoffBaseMs,
    backoffMaxMs: policy.restartBackoffMaxMs,
  };
}
