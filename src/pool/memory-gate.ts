/**
 * The memory side of admission: whether a cold worker fits (the pool budget on the decision
 * measure, and the system reserve against MemAvailable and the cgroup), the typed refusal with
 * its figures, and the background sampler that keeps worker and system figures fresh without
 * touching the request path.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import { EvictionPolicy } from './eviction.js';
import { MemoryPolicy } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import { readSystemMemory, type SystemMemory } from './system-memory.js';
import type { PoolWorker } from './worker.js';

export class MemoryGate {
  readonly policy: MemoryPolicy;
  /** Which idle worker goes first (`eviction` option); learns each key's requests and open time. */
  readonly eviction: EvictionPolicy;
  readonly #options: ResolvedPoolOptions;
  #sampler: NodeJS.Timeout | null = null;
  /** Last reading of machine and cgroup memory, null before the first or when ignored. */
  system: SystemMemory | null = null;

  constructor(options: ResolvedPoolOptions) {
    this.#options = options;
    this.policy = new MemoryPolicy(options);
    this.eviction = new EvictionPolicy(options.eviction, (key) => this.policy.predict(key));
  }

  /**
   * Whether `starting + 1` cold workers for `key` fit: the budget over `workers` (without
   * `without`, about to be evicted), and the system reserve when the system reports its memory.
   */
  fits(
    key: string,
    workers: Iterable<PoolWorker>,
    without: readonly PoolWorker[],
    starting: number,
  ): boolean {
    const predicted = this.policy.predict(key) * (starting + 1);
    const reserve = this.#options.systemMemoryReserveKib;
    const headroom = this.system?.headroomKib ?? null;
    if (reserve !== false && headroom !== null && predicted + reserve > headroom) return false;
    const budget = this.#options.maxTotalChildMemoryKib;
    if (budget === undefined) return true;
    const others = [...workers].filter((e) => !without.includes(e));
    return this.policy.figures(others).totalKib + predicted <= budget;
  }

  /** Whether `key`'s predicted cost alone passes the pool budget: it can never fit. */
  overBudgetAlone(key: string): boolean {
    const budget = this.#options.maxTotalChildMemoryKib;
    return budget !== undefined && this.policy.predict(key) > budget;
  }

  /**
   * The idle workers to evict so that a cold worker for `key` gets a slot and fits: none when it
   * fits as things are; else the first in eviction order whose eviction suffices; else as many
   * as it takes, in that order. Null when even evicting every idle worker would not make
   * room now.
   */
  evictionsFor(
    key: string,
    workers: ReadonlySet<PoolWorker>,
    slotFree: boolean,
    starting: number,
  ): PoolWorker[] | null {
    if (slotFree && this.fits(key, workers, [], starting)) return [];
    const idle = this.eviction.order([...workers].filter((e) => e.state === 'idle' && !e.exhausted));
    const single = idle.find((e) => this.fits(key, workers, [e], starting));
    if (single) return [single];
    const chosen: PoolWorker[] = [];
    for (const worker of idle) {
      chosen.push(worker);
      if (this.fits(key, workers, chosen, starting)) return chosen;
    }
    return null;
  }

  /** The MEMORY_BUDGET refusal for a cold worker of `key`, with every figure that decided it. */
  budgetError(key: string, workers: Iterable<PoolWorker>): LeanWorkerError {
    const figures = this.policy.figures(workers);
    return makeError(ErrorCode.MEMORY_BUDGET, 'a new worker would pass the pool memory budget', {
      facts: {
        currentKib: figures.totalKib,
        predictedKib: this.policy.predict(key),
        limitKib: this.#options.maxTotalChildMemoryKib ?? null,
        measure: this.#options.memoryMeasure,
        samplesUnavailable: figures.unavailable,
        systemHeadroomKib: this.system?.headroomKib ?? null,
        systemReserveKib: this.#options.systemMemoryReserveKib,
      },
    });
  }

  /** Sample system memory now and every `memorySampleIntervalMs`, and each live worker's tree. */
  start(workers: () => Iterable<PoolWorker>): void {
    if (this.#sampler) return;
    this.system = this.#readSystem();
    this.#sampler = setInterval(() => {
      this.system = this.#readSystem();
      for (const worker of workers()) {
        if (worker.state === 'closing' || worker.handle.closed) continue;
        void worker.refreshSample(this.#options.memoryMeasure === 'pss');
      }
    }, this.#options.memorySampleIntervalMs);
    this.#sampler.unref();
  }

  stop(): void {
    if (this.#sampler) clearInterval(this.#sampler);
    this.#sampler = null;
  }

  #readSystem(): SystemMemory | null {
    return this.#options.systemMemoryReserveKib === false ? null : readSystemMemory();
  }
}
