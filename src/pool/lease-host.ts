/**
 * What a lease may ask of the pool: the worker's generation, the policy check before a command,
 * running a request, cancelling it, cycling the worker, returning it, and its counters.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import type { LeaseHost } from '../lease-contract.js';
import type { Request } from '../protocol/messages.js';
import type { ValidationSchemas } from '../protocol/port-messages.js';
import type { ReplJob } from '../protocol/repl-work.js';
import type { AdmissionCounters, LeaseSnapshot } from './counters.js';
import { undeclaredExport } from './declared-export.js';
import type { PoolEntry } from './entry.js';
import { publish } from './events.js';
import type { ResolvedPoolOptions } from './options.js';

/** The parts of admission a lease host needs. */
interface LeasePool {
  readonly options: ResolvedPoolOptions;
  readonly counters: AdmissionCounters;
  cycleEntry(entry: PoolEntry, reason: string): Promise<void>;
  returnEntry(entry: PoolEntry): void;
}

export class PoolLeaseHost {
  readonly #pool: LeasePool;
  #nextId = 1;

  constructor(pool: LeasePool) {
    this.#pool = pool;
  }

  /** The host of a lease on `entry`. */
  bind(entry: PoolEntry): LeaseHost {
    return {
      beforeCommand: (generation) => this.beforeCommand(entry, generation),
      checkRequest: (request) => this.checkRequest(entry, request),
      run: (request, options, stream) => this.run(entry, request, options, stream),
      cancel: (id, reason) => this.cancel(entry, id, reason),
      consumerFailed: () => this.consumerFailed(entry),
      release: () => this.release(entry),
      cycle: () => this.cycle(entry),
      generation: () => this.generation(entry),
      snapshot: () => this.snapshot(entry),
    };
  }

  /** The worker's generation; -1 once it can take no more work (shut down, or its thread ended). */
  generation(entry: PoolEntry): number {
    return entry.handle.unusable ? -1 : entry.generation;
  }

  beforeCommand(entry: PoolEntry, _generation: number): LeanWorkerError | null {
    const measure = this.#pool.options.memoryMeasure;
    const reason = entry.policyReason(measure);
    if (!reason) return null;
    void this.#pool.cycleEntry(entry, reason).catch(() => {});
    return makeError(ErrorCode.LEASE_INVALIDATED, `pool policy cycled the worker (${reason})`, {
      facts: { reason, ...(reason === 'memory_ceiling' ? entry.memoryFacts(measure) : {}) },
    });
  }

  checkRequest(entry: PoolEntry, request: Request | ReplJob): LeanWorkerError | null {
    return undeclaredExport(entry.resolved.exports, request);
  }

  run(
    entry: PoolEntry,
    request: Request | ReplJob,
    options: {
      timeoutMs: number;
      idleTimeoutMs?: number | undefined;
      schemas?: ValidationSchemas | undefined;
    },
    stream: boolean,
  ) {
    const id = this.#nextId++;
    return { id, ...entry.startRequest(id, request, options, stream) };
  }

  cancel(entry: PoolEntry, id: number, reason = 'aborted'): void {
    entry.handle.cancel(id, reason);
  }

  consumerFailed(entry: PoolEntry): void {
    entry.counters.streamSuccesses -= 1;
    entry.counters.streamFailures += 1;
  }

  release(entry: PoolEntry): void {
    this.#pool.counters.leasesReleased += 1;
    publish('lease-released', this.#pool.options.poolId, { key: entry.key, generation: entry.generation });
    this.#pool.returnEntry(entry);
  }

  async cycle(entry: PoolEntry): Promise<void> {
    await this.#pool.cycleEntry(entry, 'explicit');
  }

  snapshot(entry: PoolEntry): LeaseSnapshot {
    return {
      ...entry.counters,
      generation: entry.generation,
      workerVersion: entry.workerVersion,
      memory: entry.lastSample,
    };
  }
}
