/**
 * The pool's workers: the live ones, the retired ones still exiting (each keeps its slot and its
 * counters until its child is reaped), the counters of the workers that are gone, and a signal
 * for whoever waits on a change (a release, a retirement, a kill request).
 */
import type { ShutdownReport } from '../protocol/port-messages.js';
import { type CloseCounts, countOutcomes, LOST_SHUTDOWN, waitForLeases } from './close-workers.js';
import { addCounters, emptyCounters } from './counters.js';
import type { PoolEntry } from './entry.js';
import { publish } from './events.js';
import type { MemoryGate } from './memory-gate.js';

export class WorkerTable {
  readonly entries = new Set<PoolEntry>();
  readonly closingEntries = new Set<PoolEntry>();
  /** Counters of workers that are gone. */
  readonly retired = emptyCounters();
  readonly #shutdowns = new Set<Promise<ShutdownReport>>();
  readonly #opening = new Set<Promise<void>>();
  /** Cold opens in flight; each holds a slot. */
  starting = 0;
  #waiting: (() => void)[] = [];
  readonly #onReaped: () => void;
  readonly #poolId: () => string;

  /** `onReaped` runs after each retired worker's child is reaped (a slot is free). */
  constructor(onReaped: () => void, poolId: () => string = () => '') {
    this.#onReaped = onReaped;
    this.#poolId = poolId;
  }

  /** Workers that hold a slot: starting, live and still exiting. */
  get slotsHeld(): number {
    return this.starting + this.entries.size + this.closingEntries.size;
  }

  /** Run a cold open, holding a slot (and counted as starting) until it settles. */
  open<T>(run: () => Promise<T>): Promise<T> {
    this.starting += 1;
    const result = run().finally(() => {
      this.starting -= 1;
    });
    const settled = result.then(
      () => {},
      () => {},
    );
    this.#opening.add(settled);
    void settled.then(() => this.#opening.delete(settled));
    return result;
  }

  /** Resolves once every cold open in flight has settled. */
  async openingsSettled(): Promise<void> {
    await Promise.all([...this.#opening]);
  }

  /** Kill a worker that never joined the table (the pool closed while it started). */
  async discard(entry: PoolEntry): Promise<void> {
    await entry.handle.shutdown('kill').catch(() => LOST_SHUTDOWN);
    entry.state = 'closed';
    entry.settleReplacements();
    addCounters(this.retired, entry.counters);
  }

  /** Slots free under `maxWorkers`: starting, live and still-exiting workers all hold one. */
  freeSlots(maxWorkers: number): number {
    return maxWorkers - this.slotsHeld;
  }

  /**
   * Room for a cold worker of `key`: [] to start now, the idle workers to evict first, 'reaping'
   * when a slot is on its way (a worker is exiting) and nothing needs evicting, or null.
   */
  room(key: string, gate: MemoryGate, maxWorkers: number): PoolEntry[] | 'reaping' | null {
    const slotFree = this.freeSlots(maxWorkers) > 0;
    const slotComing = this.closingEntries.size > 0;
    const victims = gate.evictionsFor(key, this.entries, slotFree || slotComing, this.starting);
    if (victims?.length === 0 && !slotFree) return 'reaping';
    return victims;
  }

  leased(): number {
    let n = 0;
    for (const e of this.entries) if (e.state === 'leased') n += 1;
    return n;
  }

  /** Take `entry` out of service and shut it down; its slot is free once its child is reaped. */
  retire(entry: PoolEntry, mode: 'graceful' | 'kill'): void {
    if (!this.entries.delete(entry)) return;
    entry.state = 'closing';
    this.closingEntries.add(entry);
    const done: Promise<ShutdownReport> = entry.handle
      .shutdown(mode)
      .catch(() => LOST_SHUTDOWN)
      .finally(() => {
        entry.state = 'closed';
        this.closingEntries.delete(entry);
        entry.settleReplacements();
        addCounters(this.retired, entry.counters);
        this.#shutdowns.delete(done);
        this.changed();
        this.#onReaped();
      });
    this.#shutdowns.add(done);
    publish('shutdown', this.#poolId(), { key: entry.key, mode });
  }

  /** Kill every child still being shut down gracefully, at once. */
  killExiting(): void {
    for (const entry of this.closingEntries) entry.handle.killNow();
  }

  /** Every shutdown under way, to its report. */
  shutdowns(): Promise<ShutdownReport[]> {
    return Promise.all([...this.#shutdowns]);
  }

  /** Wake whatever waits for a change. */
  changed(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }

  /** Resolves at the next change. */
  nextChange(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /**
   * Close every worker: wait for cold opens in flight, let leases finish until `deadline` (or
   * until `killNow()`), then shut each worker down (killed when still leased or when `killNow()`)
   * and wait until every child is reaped.
   */
  async closeAll(deadline: number, killNow: () => boolean): Promise<CloseCounts> {
    await this.openingsSettled();
    await waitForLeases(
      () => this.leased(),
      deadline,
      killNow,
      () => this.nextChange(),
    );
    const leasesOutstanding = this.leased();
    const workers = this.entries.size;
    for (const entry of [...this.entries]) {
      this.retire(entry, killNow() || entry.state === 'leased' ? 'kill' : 'graceful');
    }
    return { workers, leasesOutstanding, outcomes: countOutcomes(await this.shutdowns()) };
  }
}
