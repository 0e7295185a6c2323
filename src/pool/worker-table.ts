/**
 * The pool's workers: the live ones, the retired ones still exiting (each keeps its slot and its
 * counters until its child is reaped), the cold opens under way (each holds a slot), the counters
 * of the workers that are gone, and a signal for whoever waits on a change (a release, a
 * retirement, a kill request). Private to admission.
 */
import type { ShutdownReport } from '../protocol/port-messages.js';
import { addCounters, emptyCounters, type WorkerCounters } from './counters.js';
import { publish } from './events.js';
import type { MemoryGate } from './memory-gate.js';
import type { ResolvedPoolOptions } from './options.js';
import type { PoolWorker } from './worker.js';

/** What `close()` and `destroy()` report. */
export interface CloseCounts {
  readonly workers: number;
  readonly leasesOutstanding: number;
  readonly outcomes: Record<string, number>;
}

export class WorkerTable {
  readonly #live = new Set<PoolWorker>();
  readonly #exiting = new Set<PoolWorker>();
  /** Counters of workers that are gone. */
  readonly #retired = emptyCounters();
  readonly #shutdowns = new Set<Promise<ShutdownReport>>();
  readonly #opening = new Set<Promise<unknown>>();
  #starting = 0;
  #waiting: (() => void)[] = [];
  #killNow = false;
  #closeRun: Promise<CloseCounts> | null = null;
  readonly #options: ResolvedPoolOptions;
  readonly #gate: MemoryGate;
  readonly #onReaped: () => void;

  /** `onReaped` runs after each retired worker's child is reaped (a slot is free). */
  constructor(options: ResolvedPoolOptions, gate: MemoryGate, onReaped: () => void) {
    this.#options = options;
    this.#gate = gate;
    this.#onReaped = onReaped;
  }

  /** Cold opens in flight. */
  get starting(): number {
    return this.#starting;
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
    return this.#options.maxWorkers - this.#starting - this.#live.size - this.#exiting.size;
  }

  /** Whether nothing can free a slot or memory by itself: no worker leased, starting or exiting. */
  get settled(): boolean {
    return this.#starting === 0 && this.#exiting.size === 0 && this.leased() === 0;
  }

  leased(): number {
    let n = 0;
    for (const w of this.#live) if (w.state === 'leased') n += 1;
    return n;
  }

  /** The idle, usable worker of `key` that was used least recently. */
  warm(key: string): PoolWorker | null {
    let best: PoolWorker | null = null;
    for (const w of this.#live) {
      if (w.state !== 'idle' || w.key !== key || !w.usable) continue;
      if (!best || w.lastUsedAt < best.lastUsedAt) best = w;
    }
    return best;
  }

  /**
   * Room for a cold worker of `key`: [] to start now, the idle workers to evict first, 'reaping'
   * when a slot is on its way (a worker is exiting) and nothing needs evicting, or null.
   */
  room(key: string): PoolWorker[] | 'reaping' | null {
    const slotFree = this.freeSlots() > 0;
    const victims = this.#gate.evictionsFor(
      key,
      this.#live,
      slotFree || this.#exiting.size > 0,
      this.#starting,
    );
    if (victims?.length === 0 && !slotFree) return 'reaping';
    return victims;
  }

  /** Run a cold open, holding a slot (and counted as starting) until it settles. */
  open(run: () => Promise<PoolWorker>): Promise<PoolWorker> {
    this.#starting += 1;
    const result = run().finally(() => {
      this.#starting -= 1;
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
