/**
 * LeanWorkerPool: session-keyed workers, leases, the admission queue, memory-aware admission,
 * restart policy, quarantine, snapshots and lifecycle events. Main thread, control plane only:
 * it never parses a child frame.
 */
import { z } from 'zod';
import type { BootstrapReport } from '../capability/bootstrap.js';
import type { LeanWorkerCapabilityBuilder } from '../capability/builder.js';
import { ErrorCode, makeError } from '../errors.js';
import type { LeanWorkerSessionLease } from '../lease.js';
import { SupervisorHandle } from '../worker/supervisor-handle.js';
import type { ResolvedWorker } from '../worker-spec.js';
import { Admission } from './admission.js';
import { type LeanWorkerPoolOptions, parsePoolOptions, type ResolvedPoolOptions } from './options.js';
import { buildSnapshot, type LeanWorkerPoolSnapshot } from './snapshot.js';

/** Anything that can name a session key and resolve the worker for it (a capability builder). */
export interface LeanWorkerSource {
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}

const acquireOptionsSchema = z
  .object({
    signal: z.instanceof(AbortSignal).optional(),
    /** Queue wait for this acquire; defaults to the pool's `queueWaitTimeoutMs`. */
    timeoutMs: z.number().int().nonnegative().optional(),
    /** Default total deadline of each command on this lease. */
    requestTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();

export type AcquireLeaseOptions = z.input<typeof acquireOptionsSchema>;

/** What `close()` did. */
export interface LeanWorkerPoolCloseReport {
  readonly workers: number;
  readonly leasesOutstanding: number;
  readonly outcomes: Record<string, number>;
  readonly elapsedMs: number;
}

export class LeanWorkerPool {
  readonly #options: ResolvedPoolOptions;
  readonly #admission: Admission;
  #closed = false;

  constructor(options: LeanWorkerPoolOptions = {}) {
    this.#options = parsePoolOptions(options);
    this.#admission = new Admission(this.#options, (config, onEvent) =>
      SupervisorHandle.start(config, onEvent),
    );
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
  async acquireLease(
    source: LeanWorkerSource,
    options: AcquireLeaseOptions = {},
  ): Promise<LeanWorkerSessionLease> {
    const parsed = acquireOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw makeError(
        ErrorCode.INVALID_OPTIONS,
        `invalid acquire options: ${z.prettifyError(parsed.error)}`,
        {
          cause: parsed.error,
        },
      );
    }
    if (this.#closed) throw makeError(ErrorCode.POOL_CLOSED, 'the pool is closed');
    const { signal, timeoutMs, requestTimeoutMs } = parsed.data;
    if (signal?.aborted) {
      throw makeError(ErrorCode.ABORTED, 'acquire aborted', {
        facts: { reason: 'before_queue' },
        cause: signal.reason,
      });
    }
    const entry = await this.#admission.acquire(source, {
      signal,
      timeoutMs: timeoutMs ?? this.#options.queueWaitTimeoutMs,
    });
    return this.#admission.grant(entry, requestTimeoutMs ?? entry.resolved.launch.requestTimeoutMs);
  }

  /**
   * `builder.check()` with this pool's trial open: static findings, then a lease for the
   * builder's key (start, handshake, session open, metadata expectation) and, when the builder
   * names a metadata export, its metadata. Never throws; every failure is a finding. The worker
   * stays warm in the pool afterwards.
   */
  check(builder: LeanWorkerCapabilityBuilder, options: AcquireLeaseOptions = {}): Promise<BootstrapReport> {
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

  /** Acquire, run `fn`, release (even when `fn` throws). */
  async withLease<T>(
    source: LeanWorkerSource,
    fn: (lease: LeanWorkerSessionLease) => Promise<T> | T,
    options: AcquireLeaseOptions = {},
  ): Promise<T> {
    const lease = await this.acquireLease(source, options);
    try {
      return await fn(lease);
    } finally {
      lease.release();
    }
  }

  /** Counters and facts; never pids, worker ids or pipes. */
  snapshot(): LeanWorkerPoolSnapshot {
    return buildSnapshot(this.#admission, this.#options, this.#closed);
  }

  /**
   * Stop admitting, reject waiters with POOL_CLOSED, let running leases finish up to `timeoutMs`,
   * then shut every worker down (terminate, wait, kill, reap).
   */
  async close(options: { timeoutMs?: number } = {}): Promise<LeanWorkerPoolCloseReport> {
    const began = performance.now();
    this.#closed = true;
    const reports = await this.#admission.close(options.timeoutMs ?? 10_000, 'graceful');
    return { ...reports, elapsedMs: performance.now() - began };
  }

  /** Kill every worker at once. */
  async destroy(): Promise<LeanWorkerPoolCloseReport> {
    const began = performance.now();
    this.#closed = true;
    const reports = await this.#admission.close(0, 'kill');
    return { ...reports, elapsedMs: performance.now() - began };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
