/**
 * Admission's refusals: each is counted, published as `admission-refused`, and thrown as a typed
 * error whose facts say why the acquire waited or could not be served at once (`waitedFor`) and
 * which client asked, when one was named.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import type { WaitReason } from './admission-plan.js';
import type { AdmissionCounters } from './counters.js';
import { publish } from './events.js';
import type { MemoryGate } from './memory-gate.js';
import type { ResolvedPoolOptions } from './options.js';
import type { PoolWorker } from './worker.js';

/** A refusal of admission, as `admission-refused` names it. */
export type Refusal = 'max_workers' | 'memory_budget' | 'queue_full' | 'queue_timeout' | 'quarantined';

/** One refusal's circumstances. */
export interface RefusalOf {
  readonly key: string;
  readonly reason: Refusal;
  /** Why it waited: a plan's reason, or `quarantine`. */
  readonly waitedFor: WaitReason | 'quarantine' | null;
  readonly client: string | undefined;
  readonly waitedMs?: number;
  readonly timeoutMs?: number;
  /** The QUARANTINED error to pass on (`reason: 'quarantined'`). */
  readonly quarantined?: LeanWorkerError;
}

export class Refusals {
  readonly #options: ResolvedPoolOptions;
  readonly #counters: AdmissionCounters;
  readonly #gate: MemoryGate;
  /** The last refusal's reason (`snapshot().refusalReason`). */
  last: string | null = null;

  constructor(options: ResolvedPoolOptions, counters: AdmissionCounters, gate: MemoryGate) {
    this.#options = options;
    this.#counters = counters;
    this.#gate = gate;
  }

  /** Count, record and publish a refusal; the typed error to throw. */
  refuse(r: RefusalOf, queueDepth: number, held: Iterable<PoolWorker>): LeanWorkerError {
    const c = this.#counters;
    const o = this.#options;
    const why = { waitedFor: r.waitedFor, ...(r.client === undefined ? {} : { client: r.client }) };
    publish('admission-refused', o.poolId, r.key, {
      reason: r.reason,
      ...(r.waitedMs === undefined ? {} : { waitedMs: r.waitedMs }),
      ...why,
    });
    if (r.reason === 'queue_full') {
      c.queueFullRejections += 1;
      const facts = { maxQueuedAcquires: o.maxQueuedAcquires, ...why };
      return makeError(ErrorCode.QUEUE_FULL, 'the admission queue is full', { facts });
    }
    if (r.reason === 'quarantined' && r.quarantined?.code === ErrorCode.QUARANTINED) {
      c.quarantineRejections += 1;
      const { message, facts } = r.quarantined;
      return makeError(ErrorCode.QUARANTINED, message, { facts: { ...facts, ...why } });
    }
    this.last = r.reason;
    if (r.reason === 'queue_timeout') {
      c.queueTimeouts += 1;
      const timeoutMs = r.timeoutMs ?? 0;
      return makeError(ErrorCode.QUEUE_TIMEOUT, `no worker within ${timeoutMs} ms`, {
        facts: { queueWaitMs: Math.round(r.waitedMs ?? 0), timeoutMs, queueDepth, ...why },
      });
    }
    c.coldOpenRefusals += 1;
    if (r.reason === 'max_workers') {
      const facts = { maxWorkers: o.maxWorkers, ...why };
      return makeError(ErrorCode.POOL_EXHAUSTED, 'every worker is busy and waiting is disabled', { facts });
    }
    c.memoryBudgetRejections += 1;
    return this.#gate.budgetError(r.key, held, why);
  }
}
