/**
 * What a lease may ask of its worker: the generation, the policy check before a command,
 * running a request, cancelling it, cycling the worker, returning it, and its counters.
 */
import { ErrorCode, makeError } from '../errors.js';
import type { LeaseHost } from '../lease-contract.js';
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
    const measure = this.#measure;
    return {
      beforeCommand: () => {
        const reason = worker.policyReason(measure);
        if (!reason) return null;
        void worker.cycle(reason).catch(() => {});
        return makeError(ErrorCode.LEASE_INVALIDATED, `pool policy cycled the worker (${reason})`, {
          facts: { reason, ...(reason === 'memory_ceiling' ? worker.memoryFacts(measure) : {}) },
        });
      },
      checkRequest: (request) => undeclaredExport(worker.resolved.exports, request),
      run: (request, options, stream) => {
        const id = this.#nextId++;
        return { id, ...worker.startRequest(id, request, options, stream) };
      },
      cancel: (id, reason = 'aborted') => worker.handle.cancel(id, reason),
      consumerFailed: () => worker.stats.noteConsumerFailure(),
      release: () => this.#release(worker),
      cycle: () => worker.cycle('explicit'),
      // -1 once the worker can take no more work (shut down, or its thread ended).
      generation: () => (worker.handle.unusable ? -1 : worker.generation),
      snapshot: () => ({
        ...worker.stats.counters,
        generation: worker.generation,
        workerVersion: worker.stats.workerVersion,
        memory: worker.lastSample,
      }),
    };
  }
}
