/**
 * LeanWorkerPool: session-keyed workers, leases, the admission queue, memory-aware admission,
 * restart policy, quarantine, snapshots and lifecycle events. Main thread, control plane only:
 * it never parses a child frame.
 */
import { z } from 'zod';
import type { BootstrapReport } from '../capability/bootstrap.js';
import { LeanWorkerCapabilityBuilder } from '../capability/builder.js';
import { ErrorCode, invalidArgument, makeError } from '../errors.js';
import type { LeanWorkerLease, LeanWorkerSessionLease } from '../lease.js';
import { lazySchema, parseOptions } from '../parse-options.js';
import { MAX_TIMER_MS } from '../protocol/constants.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import type { LeanReplSource } from '../repl/builder.js';
import type { LeanReplLease } from '../repl/lease.js';
import { Admission } from './admission.js';
import { MAX_HINTED_KEYS } from './eviction.js';
import {
  type LeanWorkerPoolOptions,
  MAX_CLIENT_LENGTH,
  parsePoolOptions,
  type ResolvedPoolOptions,
} from './options.js';
import { buildSnapshot, type LeanWorkerPoolSnapshot } from './snapshot.js';
import type { CloseCounts } from './worker-table.js';

/**
 * Anything that can name a session key and resolve the worker for it. A source without a `kind`
 * is a lean-rs-worker capability source (a `LeanWorkerCapabilityBuilder`); a repl source
 * (`LeanReplBuilder.forSnippet`) says `kind: 'repl'`. The kind decides the lease's commands.
 */
export interface LeanWorkerSource {
  readonly kind?: 'capability';
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}

/** Either kind of source. */
export type AnyLeanWorkerSource = LeanWorkerSource | LeanReplSource;

/** The lease `acquireLease(source)` gives: repl commands for a repl source, capability commands otherwise. */
export type LeanWorkerLeaseFor<S extends AnyLeanWorkerSource> = S extends LeanReplSource
  ? LeanReplLease
  : LeanWorkerSessionLease;

function buildAcquireOptionsSchema() {
  return z
    .object({
      signal: z.instanceof(AbortSignal).optional(),
      /** Queue wait for this acquire; defaults to the pool's `queueWaitTimeoutMs`. */
      timeoutMs: z.number().int().nonnegative().max(MAX_TIMER_MS).optional(),
      /** Default total deadline of each command on this lease. */
      requestTimeoutMs: z.number().int().positive().max(MAX_TIMER_MS).optional(),
      /**
       * Who asks: waiters are served weighted-fair across clients (`clientWeights`), so one client
       * with many acquires queued cannot starve another. Unnamed acquires share one client.
       */
      client: z.string().min(1).max(MAX_CLIENT_LENGTH).optional(),
    })
    .strict();
}

export type AcquireLeaseOptions = z.input<ReturnType<typeof buildAcquireOptionsSchema>>;

/** Built on the first acquire, close or hint, not on import (as the option modules' schemas). */
const acquireOptionsSchema = lazySchema(buildAcquireOptionsSchema);

const closeOptionsSchema = lazySchema(() =>
  z
    .object({
      /** How long running leases may finish before their workers are killed. */
      timeoutMs: z.number().int().nonnegative().max(MAX_TIMER_MS).optional(),
    })
    .strict(),
);

/** Whether `value` names its key and resolves its worker. */
function isSource(value: unknown): value is AnyLeanWorkerSource {
  const s = value as Partial<AnyLeanWorkerSource> | null;
  return typeof s === 'object' && typeof s?.sessionKey === 'function' && typeof s.resolve === 'function';
}

const hintSchema = lazySchema(() =>
  z.array(z.custom<AnyLeanWorkerSource>(isSource, 'expected a worker source')).max(MAX_HINTED_KEYS),
);

/** A source must name its key and resolve its worker; anything else is refused before a spawn. */
function checkSource(source: unknown): asserts source is AnyLeanWorkerSource {
  if (!isSource(source))
    throw invalidArgument('expected a worker source (a capability or repl builder)', 'source', source);
}

/** What `close()` did. */
export interface LeanWorkerPoolCloseReport extends CloseCounts {
  readonly elapsedMs: number;
}

export class LeanWorkerPool {
  readonly #options: ResolvedPoolOptions;
  readonly #admission: Admission;

  constructor(options: LeanWorkerPoolOptions = {}) {
    this.#options = parsePoolOptions(options);
    this.#admission = new Admission(this.#options);
    this.#admission.startSampler();
  }

  /** The validated options in force. */
  get options(): Readonly<ResolvedPoolOptions> {
    return this.#options;
  }

  /**
   * Lease a warm worker for `source`'s session key: reuse, spawn, evict an idle worker of another
   * key, or wait in the FIFO queue. Typed failures: QUEUE_TIMEOUT, QUEUE_FULL, POOL_EXHAUSTED,
   * MEMORY_BUDGET, ABORTED, POOL_CLOSED, QUARANTINED, and the worker's own start errors.
   */
  acquireLease<S extends AnyLeanWorkerSource>(
    source: S,
    options: AcquireLeaseOptions = {},
  ): Promise<LeanWorkerLeaseFor<S>> {
    // The lease's class follows the resolved worker's kind, which the source's kind names.
    return this.#acquire(source, options) as Promise<LeanWorkerLeaseFor<S>>;
  }

  async #acquire(source: AnyLeanWorkerSource, options: AcquireLeaseOptions): Promise<LeanWorkerLease> {
    checkSource(source);
    const parsed = parseOptions(acquireOptionsSchema(), options, 'acquire options');
    if (this.#admission.closed) throw makeError(ErrorCode.POOL_CLOSED, 'the pool is closed');
    const { signal, timeoutMs, requestTimeoutMs, client } = parsed;
    if (signal?.aborted) {
      throw makeError(ErrorCode.ABORTED, 'acquire aborted', {
        facts: { reason: 'before_queue' },
        cause: signal.reason,
      });
    }
    const worker = await this.#admission.acquire(source, {
      signal,
      timeoutMs: timeoutMs ?? this.#options.queueWaitTimeoutMs,
      client,
    });
    if (this.#admission.closed) {
      // The pool closed while the worker was being made ready: close reaps it, no lease is made.
      this.#admission.release(worker);
      throw makeError(ErrorCode.POOL_CLOSED, 'the pool closed while the worker was starting');
    }
    return this.#admission.grant(worker, requestTimeoutMs ?? worker.resolved.launch.requestTimeoutMs);
  }

  /**
   * `builder.check()` with this pool's trial open: static findings, then a lease for the
   * builder's key (start, handshake, session open, metadata expectation) and, when the builder
   * names a metadata export, its metadata. Never throws; every failure is a finding. The worker
   * stays warm in the pool afterwards.
   */
  async check(
    builder: LeanWorkerCapabilityBuilder,
    options: AcquireLeaseOptions = {},
  ): Promise<BootstrapReport> {
    if (!(builder instanceof LeanWorkerCapabilityBuilder))
      throw invalidArgument('check() takes a LeanWorkerCapabilityBuilder', 'builder', builder);
    return builder.check(async () => {
      const lease = await this.acquireLease(builder, options);
      try {
        const m = builder.options.metadata;
        return m ? { metadata: await lease.capabilityMetadata(m.export, m.request ?? {}) } : undefined;
      } finally {
        lease.release();
      }
    });
  }

  /**
   * Say which sources the pool will be asked for next, in order (a planner's batches, a check
   * queue): the eviction policy keeps their workers warm, the one needed soonest longest. Replaces
   * the previous hint; `[]` clears it. A source never asked for costs nothing but its entry.
   * @throws `INVALID_ARGUMENT` when `sources` is not an array of sources (at most 100,000).
   */
  hint(sources: readonly AnyLeanWorkerSource[]): void {
    const parsed = hintSchema().safeParse(sources);
    if (!parsed.success) {
      throw makeError(ErrorCode.INVALID_ARGUMENT, 'hint() takes an array of worker sources', {
        facts: { argument: 'sources', reason: parsed.error.issues[0]?.message ?? 'invalid' },
      });
    }
    this.#admission.hint(parsed.data.map((s) => s.sessionKey()));
  }

  /** Acquire, run `fn`, release (even when `fn` throws). */
  async withLease<S extends AnyLeanWorkerSource, T>(
    source: S,
    fn: (lease: LeanWorkerLeaseFor<S>) => Promise<T> | T,
    options: AcquireLeaseOptions = {},
  ): Promise<T> {
    if (typeof fn !== 'function')
      throw invalidArgument('withLease() takes a function of the lease', 'fn', fn);
    const lease = await this.acquireLease(source, options);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  /** This pool's id (`pool-1`, `pool-2`, ... in creation order), the `poolId` of its events. */
  get id(): string {
    return this.#options.poolId;
  }

  /** Counters and facts; never pids, worker ids or pipes. */
  snapshot(): LeanWorkerPoolSnapshot {
    return buildSnapshot(this.#admission.stats(), this.#options, this.#admission.closed);
  }

  /**
   * Stop admitting, reject waiters with POOL_CLOSED, wait for workers still starting, let running
   * leases finish up to `timeoutMs`, then shut every worker down (terminate, wait, kill, reap).
   * A second call settles with the first; `destroy()` during a close ends its wait at once.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<LeanWorkerPoolCloseReport> {
    const parsed = parseOptions(closeOptionsSchema(), options, 'close options');
    return this.#close(parsed.timeoutMs ?? 10_000, 'graceful');
  }

  /** Kill every worker at once (also during a `close()`, which then settles as soon). */
  destroy(): Promise<LeanWorkerPoolCloseReport> {
    return this.#close(0, 'kill');
  }

  async #close(timeoutMs: number, mode: 'graceful' | 'kill'): Promise<LeanWorkerPoolCloseReport> {
    const began = performance.now();
    const reports = await this.#admission.close(timeoutMs, mode);
    return { ...reports, elapsedMs: performance.now() - began };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
