/**
 * The pool's workers: the live ones, the retired ones still exiting (each keeps its slot and its
 * counters until its child is reaped), the cold opens under way (each holds a slot), the counters
 * of the workers that are gone, and a signal for whoever waits on a change (a release, a
 * retirement, a kill request). Private to admission.
 */
import type { ShutdownReport } from '../protocol/port-messages.js';
import { addCounters, emptyCounters, type WorkerCounters } from './counters.js';
import { publish } from './events.js';
import type { ResolvedPoolOptions } from './options.js';
import type { PoolWorker } from './worker.js';

/** What `close()` and `destroy()` report. */
export interface CloseCounts {
  readonly workers: number;
  readonly leasesOutstanding: number;
  readonly outcomes: Record<string, number>;
}

/** Why a worker is being started: for a caller, as a spare, or to replace a used-up worker. */
export type StartPurpose = 'caller' | 'spare' | 'replacement';

/** A cold open under way. */
export interface Starting {
  readonly key: string;
  readonly purpose: StartPurpose;
  readonly since: number;
  /** Whether its key's cost was unknown when it began (nothing learned, no estimate). */
  readonly unknownCost: boolean;
}

export class WorkerTable {
  readonly #live = new Set<PoolWorker>();
  readonly #exiting = new Set<PoolWorker>();
  /** Counters of workers that are gone. */
  readonly #retired = emptyCounters();
  readonly #shutdowns = new Set<Promise<ShutdownReport>>();
  readonly #opening = new Set<Promise<unknown>>();
  readonly #starting = new Set<Starting>();
  #waiting: (() => void)[] = [];
  #killNow = false;
  #closeRun: Promise<CloseCounts> | null = null;
  readonly #options: ResolvedPoolOptions;
  readonly #onReaped: () => void;

  /** `onReaped` runs after each retired worker's child is reaped (a slot and its memory are free). */
  constructor(options: ResolvedPoolOptions, onReaped: () => void) {
    this.#options = options;
    this.#onReaped = onReaped;
  }

  /** The cold opens in flight. */
  get starts(): ReadonlySet<Starting> {
    return this.#starting;
  }

  /** The keys of the cold opens in flight, one per start. */
  startingKeys(): string[] {
    return [...this.#starting].map((s) => s.key);
  }

  get live(): ReadonlySet<PoolWorker> {
    return this.#live;
  }

  get exiting(): ReadonlySet<PoolWorker> {
    return this.#exiting;
  }

  /** Every worker's counters: the gone, the exiting and the live. */
  totals(): WorkerCounters {
    const totals = addCounters(emptyCounters(), this.#retired);
    for (const w of this.#exiting) addCounters(totals, w.stats.counters);
    for (const w of this.#live) addCounters(totals, w.stats.counters);
    return totals;
  }

  /** Slots free under `maxWorkers`: starting, live and still-exiting workers all hold one. */
  freeSlots(): number {
    return this.#options.maxWorkers - this.#starting.size - this.#live.size - this.#exiting.size;
  }

  /** Whether nothing can free a slot or memory by itself: no worker leased, starting or exiting. */
  get settled(): boolean {
    return this.#starting.size === 0 && this.#exiting.size === 0 && this.leased() === 0;
  }

  leased(): number {
    return [...this.#live].filter((w) => w.state === 'leased').length;
  }

  /**
   * The idle, usable worker of `key` to lease: one that needs no restart or cycle first (the
   * least recently used of those), else the least recently used of the rest.
   */
  warm(key: string): PoolWorker | null {
    let best: PoolWorker | null = null;
    let bestReady = false;
    for (const w of this.#live) {
      if (w.state !== 'idle' || w.key !== key || !w.usable) continue;
      const ready = w.ready(this.#options.memoryMeasure);
      if (!best || (ready && !bestReady) || (ready === bestReady && w.lastUsedAt < best.lastUsedAt)) {
        best = w;
        bestReady = ready;
      }
    }
    return best;
  }

  /** Live workers of `key` (any state). */
  of(key: string): PoolWorker[] {
    return [...this.#live].filter((w) => w.key === key);
  }

  /** Idle workers that may be evicted: usable or not, but not at their restart limit. */
  idle(): PoolWorker[] {
    return [...this.#live].filter((w) => w.state === 'idle' && !w.exhausted);
  }

  /** Everything holding memory now: live workers and retired ones whose child is not reaped. */
  held(): PoolWorker[] {
    return [...this.#live, ...this.#exiting];
  }

  /** Run a cold open, holding a slot (and counted as starting) until it settles. */
  open(
    key: string,
    purpose: StartPurpose,
    run: () => Promise<PoolWorker>,
    unknownCost = false,
  ): Promise<PoolWorker> {
    const entry: Starting = { key, purpose, since: performance.now(), unknownCost };
    this.#starting.add(entry);
    const result = run().finally(() => {
      this.#starting.delete(entry);
    });
    const settled = result.catch(() => {});
    this.#opening.add(settled);
    void settled.then(() => this.#opening.delete(settled));
    return result;
  }

  /** Add a started worker; one whose supervisor becomes unusable while idle is retired. */
  add(worker: PoolWorker): void {
    this.#live.add(worker);
    worker.handle.onUnusable(() => {
      if (worker.state === 'idle') this.retire(worker, 'kill');
    });
  }

  /** Kill a worker that never joined the table (the pool closed while it started). */
  async discard(worker: PoolWorker): Promise<void> {
    await worker.shutdown('kill');
    addCounters(this.#retired, worker.stats.counters);
  }

  /** Take `worker` out of service and shut it down; its slot is free once its child is reaped. */
  retire(worker: PoolWorker, mode: 'graceful' | 'kill'): void {
    if (!this.#live.delete(worker)) return;
    worker.state = 'closing';
    this.#exiting.add(worker);
    const done: Promise<ShutdownReport> = worker.shutdown(mode).finally(() => {
      this.#exiting.delete(worker);
      addCounters(this.#retired, worker.stats.counters);
      this.#shutdowns.delete(done);
      this.changed();
      this.#onReaped();
    });
    this.#shutdowns.add(done);
    publish('shutdown', this.#options.poolId, worker.key, { mode });
  }

  /** Retire idle `victims` gracefully to make room for a worker of `forKey`; how many. */
  evict(victims: readonly PoolWorker[], forKey: string): number {
    for (const victim of victims) {
      publish('eviction', this.#options.poolId, victim.key, { forKey });
      this.retire(victim, 'graceful');
    }
    return victims.length;
  }

  /** Wake whatever waits for a change. */
  changed(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /**
   * Close every worker: wait for cold opens in flight, let leases finish until `deadline` (a
   * `performance.now()` time), then shut each worker down (killed when still leased) and wait
   * until every child is reaped. A second call shares the first; a `kill` call ends the wait for
   * leases at once, kills what is left and every child still exiting gracefully.
   */
  close(deadline: number, mode: 'graceful' | 'kill'): Promise<CloseCounts> {
    if (mode === 'kill') {
      this.#killNow = true;
      this.changed();
      for (const worker of this.#exiting) worker.handle.killNow();
    }
    this.#closeRun ??= this.#closeAll(deadline);
    return this.#closeRun;
  }

  /** The wait's timer is not unref'd: a close in progress keeps the process alive until it settles. */
  async #closeAll(deadline: number): Promise<CloseCounts> {
    await Promise.all([...this.#opening]);
    while (this.leased() > 0 && !this.#killNow && performance.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.#waiting.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(1, deadline - performance.now()));
        }),
      ]);
      clearTimeout(timer);
    }
    const leasesOutstanding = this.leased();
    const workers = this.#live.size;
    for (const worker of [...this.#live]) {
      this.retire(worker, this.#killNow || worker.state === 'leased' ? 'kill' : 'graceful');
    }
    const outcomes: Record<string, number> = {};
    for (const r of await Promise.all([...this.#shutdowns]))
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    return { workers, leasesOutstanding, outcomes };
  }
}
