/**
 * The memory side of admission: whether a cold worker fits (the pool budget on the decision
 * measure, and the system reserve against MemAvailable and the cgroup), the typed refusal with
 * its figures, and the background sampler that keeps worker and system figures fresh without
 * touching the request path.
 */
import type { AdmissionWaitFacts } from '../error-facts.js';
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import { EvictionPolicy } from './eviction.js';
import { MemoryPolicy } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import { readSystemMemory, type SystemMemory } from './system-memory.js';
import type { PoolWorker } from './worker.js';

/** System headroom (past the reserve) under which starts of unknown cost run one at a time. */
export const TIGHT_HEADROOM_KIB = 8 * 1024 * 1024;

export class MemoryGate {
  readonly policy: MemoryPolicy;
  /** Which idle worker goes first (`eviction` option); learns each key's requests and open time. */
  readonly eviction: EvictionPolicy;
  readonly options: ResolvedPoolOptions;
  #sampler: NodeJS.Timeout | null = null;
  /** Last reading of machine and cgroup memory, null before the first or when ignored. */
  system: SystemMemory | null = null;

  constructor(options: ResolvedPoolOptions) {
    this.options = options;
    this.policy = new MemoryPolicy(options);
    this.eviction = new EvictionPolicy(options.eviction, (key) => this.policy.predict(key));
  }

  /**
   * Whether a cold worker for `key` fits beside what the pool holds: `held` (live workers as
   * sampled, and retired ones whose child is not reaped yet), the cold opens under way (`starting`,
   * each at its predicted cost), on the pool budget and against the system reserve.
   */
  fits(key: string, held: Iterable<PoolWorker>, starting: readonly string[]): boolean {
    let predicted = this.policy.predict(key);
    for (const s of starting) predicted += this.policy.predict(s);
    const reserve = this.options.systemMemoryReserveKib;
    const headroom = this.system?.headroomKib ?? null;
    // Exiting and live children are in the system's reading already; starts may not be yet.
    if (reserve !== false && headroom !== null && predicted + reserve > headroom) return false;
    const budget = this.options.maxTotalChildMemoryKib;
    if (budget === undefined) return true;
    const figures = this.policy.figures(held);
    return figures.totalKib + this.policy.sharedToAdd(figures) + predicted <= budget;
  }

  /** Whether `key`'s predicted cost alone passes the pool budget: it can never fit. */
  overBudgetAlone(key: string): boolean {
    const budget = this.options.maxTotalChildMemoryKib;
    return budget !== undefined && this.policy.predict(key) > budget;
  }

  /**
   * Whether memory is tight enough that a key whose cost is unknown must not start beside another
   * such start: a pool budget is set, the process runs under a cgroup memory limit, or the
   * system's headroom past the reserve is under `TIGHT_HEADROOM_KIB`.
   */
  get tight(): boolean {
    if (this.options.maxTotalChildMemoryKib !== undefined) return true;
    const reserve = this.options.systemMemoryReserveKib;
    const system = this.system;
    if (reserve === false || system === null) return false;
    if (system.cgroup.maxKib !== null) return true;
    return system.headroomKib !== null && system.headroomKib - reserve < TIGHT_HEADROOM_KIB;
  }

  /**
   * The idle workers (`idle`, in the order to try) to evict so that a cold worker for `key` fits once they are reaped (the
   * children exiting already are not counted: they are on their way out): none when waiting for
   * those suffices; else the first in eviction order whose eviction suffices; else as many as it
   * takes, in that order. Null when even evicting every idle worker would not make room.
   */
  evictionsFor(
    key: string,
    live: ReadonlySet<PoolWorker>,
    idle: readonly PoolWorker[],
    starting: readonly string[],
  ): PoolWorker[] | null {
    const without = (gone: readonly PoolWorker[]) => [...live].filter((w) => !gone.includes(w));
    if (this.fits(key, live, starting)) return [];
    // `idle` comes spares first, each group in the policy's order.
    const single = idle.find((e) => this.fits(key, without([e]), starting));
    if (single) return [single];
    const chosen: PoolWorker[] = [];
    for (const worker of idle) {
      chosen.push(worker);
      if (this.fits(key, without(chosen), starting)) return chosen;
    }
    return null;
  }

  /** The MEMORY_BUDGET refusal for a cold worker of `key`, with every figure that decided it, and `why`. */
  budgetError(key: string, workers: Iterable<PoolWorker>, why: AdmissionWaitFacts): LeanWorkerError {
    const figures = this.policy.figures(workers);
    return makeError(ErrorCode.MEMORY_BUDGET, 'a new worker would pass the pool memory budget', {
      facts: {
        currentKib: figures.totalKib,
        predictedKib: this.policy.predict(key),
        limitKib: this.options.maxTotalChildMemoryKib ?? null,
        measure: this.options.memoryMeasure,
        samplesUnavailable: figures.unavailable,
        systemHeadroomKib: this.system?.headroomKib ?? null,
        systemReserveKib: this.options.systemMemoryReserveKib,
        ...why,
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
        // A key's cost is its workers' peak: memory a worker grows to after its open counts too.
        void worker.refreshSample(this.options.memoryMeasure === 'pss').then(() => {
          if (worker.lastSample) this.policy.learn(worker.key, worker.lastSample);
        });
      }
    }, this.options.memorySampleIntervalMs);
    this.#sampler.unref();
  }

  /** Read system memory again now (a child was reaped: the last reading overstates what is used). */
  refresh(): void {
    if (this.#sampler) this.system = this.#readSystem();
  }

  stop(): void {
    if (this.#sampler) clearInterval(this.#sampler);
    this.#sampler = null;
  }

  #readSystem(): SystemMemory | null {
    return this.options.systemMemoryReserveKib === false ? null : readSystemMemory();
  }
}
