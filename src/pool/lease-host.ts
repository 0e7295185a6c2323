/**
 * What a lease may ask of its worker: the generation, the policy check before a command,
 * running a request, cancelling it, cycling the worker, returning it, and its counters.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import type { LeaseHost, LeaseRequest } from '../lease-contract.js';
import type { ValidationSchemas } from '../protocol/port-messages.js';
import type { LeaseSnapshot } from './counters.js';
import { undeclaredExport } from './declared-export.js';
import type { ResolvedPoolOptions } from './options.js';
import type { PoolWorker } from './worker.js';

export class PoolLeaseHost {
  readonly #measure: ResolvedPoolOptions['memoryMeasure'];
  readonly #release: (worker: PoolWorker) => void;
  #nextId = 1;

  /** `release` returns a worker whose lease was released to admission. */
  constructor(measure: ResolvedPoolOptions['memoryMeasure'], release: (worker: PoolWorker) => void) {
    this.#measure = measure;
    this.#release = release;
  }

  /** The host of a lease on `worker`. */
  bind(worker: PoolWorker): LeaseHost {
    return {
      beforeCommand: (generation) => this.beforeCommand(worker, generation),
      checkRequest: (request) => this.checkRequest(worker, request),
      run: (request, options, stream) => this.run(worker, request, options, stream),
      cancel: (id, reason) => this.cancel(worker, id, reason),
      consumerFailed: () => this.consumerFailed(worker),
      release: () => this.release(worker),
      cycle: () => this.cycle(worker),
      generation: () => this.generation(worker),
      snapshot: () => this.snapshot(worker),
    };
  }

  /** The worker's generation; -1 once it can take no more work (shut down, or its thread ended). */
  generation(worker: PoolWorker): number {
    return worker.handle.unusable ? -1 : worker.generation;
  }

  beforeCommand(worker: PoolWorker, _generation: number): LeanWorkerError | null {
    const reason = worker.policyReason(this.#measure);
    if (!reason) return null;
    void worker.cycle(reason).catch(() => {});
    return makeError(ErrorCode.LEASE_INVALIDATED, `pool policy cycled the worker (${reason})`, {
      facts: { reason, ...(reason === 'memory_ceiling' ? worker.memoryFacts(this.#measure) : {}) },
    });
  }

  checkRequest(worker: PoolWorker, request: LeaseRequest): LeanWorkerError | null {
    return undeclaredExport(worker.resolved.exports, request);
  }

  run(
    worker: PoolWorker,
    request: LeaseRequest,
    options: {
      timeoutMs: number;
      idleTimeoutMs?: number | undefined;
      schemas?: ValidationSchemas | undefined;
    },
    stream: boolean,
  ) {
    const id = this.#nextId++;
    return { id, ...worker.startRequest(id, request, options, stream) };
  }

  cancel(worker: PoolWorker, id: number, reason = 'aborted'): void {
    worker.handle.cancel(id, reason);
  }

  consumerFailed(worker: PoolWorker): void {
    worker.stats.noteConsumerFailure();
  }

  release(worker: PoolWorker): void {
    this.#release(worker);
  }

  async cycle(worker: PoolWorker): Promise<void> {
    await worker.cycle('explicit');
  }

  snapshot(worker: PoolWorker): LeaseSnapshot {
    return {
      ...worker.stats.counters,
      generation: worker.generation,
      workerVersion: worker.stats.workerVersion,
      memory: worker.lastSample,
    };
  }
}
