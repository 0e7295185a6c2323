/**
 * Admission and the worker table: warm reuse, cold opens under the memory budget, LRU eviction of
 * idle workers of other keys, the waiter queue, quarantine of crash-looping keys, and the lease
 * host (policy before commands, bookkeeping after outcomes, release). A worker holds its slot
 * from the start of its cold open until its child is reaped, so `maxWorkers` bounds the children
 * alive, evicted ones still exiting included.
 */
import { ErrorCode, type LeanWorkerError } from '../errors.js';
import { type LeanWorkerLease, LeanWorkerSessionLease } from '../lease.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import { LeanReplLease } from '../repl/lease.js';
import { SeenKeys } from './bounded-map.js';
import type { CloseCounts } from './close-workers.js';
import {
  type AdmissionCounters,
  emptyAdmissionCounters,
  noteColdOpenAttempt,
  RecentValues,
} from './counters.js';
import { deliver } from './deliver.js';
import type { PoolEntry } from './entry.js';
import { publish } from './events.js';
import { PoolLeaseHost } from './lease-host.js';
import { MemoryGate } from './memory-gate.js';
import type { MemoryPolicy } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import { Quarantine } from './quarantine.js';
import { exhaustedError, poolClosedError, queueFullError, queueTimeoutError } from './refusals.js';
import { StartFailures } from './start-failures.js';
import type { SystemMemory } from './system-memory.js';
import { WaiterQueue } from './waiters.js';
import { leastRecentIdle, readyForLease } from './warm-reuse.js';
import { type StartFn, startEntry } from './worker-start.js';
import { WorkerTable } from './worker-table.js';

interface Source {
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}

/** What serving an acquire now gives: the entry (being readied), or why it must wait. */
type Served = Promise<PoolEntry> | 'wait' | 'evicting';

export class Admission {
  readonly options: ResolvedPoolOptions;
  readonly counters: AdmissionCounters = emptyAdmissionCounters();
  readonly gate: MemoryGate;
  readonly table = new WorkerTable(
    () => this.#pump(),
    () => this.options.poolId,
  );
  readonly entries = this.table.entries;
  /** Workers shutting down: each keeps its slot and its counters until its child is reaped. */
  readonly closingEntries = this.table.closingEntries;
  readonly retired = this.table.retired;
  readonly quarantine: Quarantine;
  /** The last 4,096 queue waits, for the snapshot's percentiles. */
  readonly queueWaits = new RecentValues(4096);
  readonly keys = new SeenKeys();
  readonly #waiters: WaiterQueue<PoolEntry, Source>;
  readonly #start: StartFn;
  readonly #startFailures = new StartFailures();
  readonly #leaseHost = new PoolLeaseHost(this);
  #closed = false;
  #killNow = false;
  #closeRun: Promise<CloseCounts> | null = null;
  lastKeyMissReason: string | null = null;
  refusalReason: string | null = null;

  constructor(options: ResolvedPoolOptions, start: StartFn) {
    this.options = options;
    this.gate = new MemoryGate(options);
    this.quarantine = new Quarantine(options.policy.quarantineMs, options.poolId);
    this.#waiters = new WaiterQueue(options.maxWaiterBypasses);
    this.#start = start;
  }

  /** What each key's worker costs, and the figures over the live workers. */
  get memory(): MemoryPolicy {
    return this.gate.policy;
  }

  /** Machine and cgroup memory from the last background reading. */
  get system(): SystemMemory | null {
    return this.gate.system;
  }

  get queueDepth(): number {
    return this.#waiters.size;
  }

  get starting(): number {
    return this.table.starting;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Get an entry reserved for the caller (state `leased`). */
  async acquire(
    source: Source,
    opts: { signal?: AbortSignal | undefined; timeoutMs: number },
  ): Promise<PoolEntry> {
    const key = source.sessionKey();
    this.keys.note(key);
    const quarantined = this.quarantine.refusal(key);
    if (quarantined) {
      this.counters.quarantineRejections += 1;
      throw quarantined;
    }
    const began = performance.now();
    const served = this.#tryServe(key, source);
    if (served === 'wait' && opts.timeoutMs === 0) this.#refuseNow(key);
    const pending =
      served === 'wait' || served === 'evicting'
        ? this.#enqueue(key, source, opts)
        : deliver(served, opts.signal, (e) => this.returnEntry(e));
    const entry = await pending.catch((error: LeanWorkerError) => {
      if (error.code === ErrorCode.ABORTED) this.counters.queueAborts += 1;
      throw error;
    });
    this.queueWaits.record(performance.now() - began);
    return entry;
  }

  /** Waiting is disabled and nothing can serve `key` now: POOL_EXHAUSTED or MEMORY_BUDGET. */
  #refuseNow(key: string): never {
    this.counters.coldOpenRefusals += 1;
    const memoryBound = this.#freeSlots() > 0;
    this.refusalReason = memoryBound ? 'memory_budget' : 'max_workers';
    publish('admission-refused', this.options.poolId, { key, reason: this.refusalReason });
    if (memoryBound) throw this.#budgetError(key);
    throw exhaustedError(this.options.maxWorkers);
  }

  /** Queue for a worker (or for evicted children to be reaped), up to `opts.timeoutMs`. */
  #enqueue(key: string, source: Source, opts: { signal?: AbortSignal | undefined; timeoutMs: number }) {
    if (this.#waiters.size >= this.options.maxQueuedAcquires) {
      this.counters.queueFullRejections += 1;
      publish('admission-refused', this.options.poolId, { key, reason: 'queue_full' });
      throw queueFullError(this.options.maxQueuedAcquires);
    }
    return this.#waiters.add(key, source, opts.timeoutMs, opts.signal, (waitedMs) => {
      this.counters.queueTimeouts += 1;
      this.refusalReason = 'queue_timeout';
      publish('admission-refused', this.options.poolId, { key, reason: 'queue_timeout', waitedMs });
      return queueTimeoutError(waitedMs, opts.timeoutMs, this.#waiters.size);
    });
  }

  /** Wrap a reserved entry in a lease. */
  grant(entry: PoolEntry, requestTimeoutMs: number): LeanWorkerLease {
    this.counters.leasesGranted += 1;
    publish('lease-granted', this.options.poolId, { key: entry.key, generation: entry.generation });
    const host = this.#leaseHost.bind(entry);
    return entry.resolved.child?.kind === 'repl'
      ? new LeanReplLease(host, entry.generation, requestTimeoutMs)
      : new LeanWorkerSessionLease(host, entry.generation, requestTimeoutMs);
  }

  /** Put a released entry back to work (or retire it) and serve the queue. */
  returnEntry(entry: PoolEntry): void {
    if (entry.state !== 'leased') return;
    entry.state = 'idle';
    entry.lastUsedAt = performance.now();
    if (entry.exhausted || entry.handle.unusable) this.table.retire(entry, 'kill');
    this.table.changed();
    this.#pump();
  }

  /** Replace an entry's child; the new generation invalidates leases of the old one. */
  async cycleEntry(entry: PoolEntry, reason: string): Promise<void> {
    entry.lastRestartReason = reason;
    await entry.handle.cycle(reason);
    entry.lastSample = await entry.handle.sample().catch(() => null);
  }

  // ---- internals ----

  #freeSlots(): number {
    return this.table.freeSlots(this.options.maxWorkers);
  }

  #budgetError(key: string): LeanWorkerError {
    this.counters.memoryBudgetRejections += 1;
    return this.gate.budgetError(key, this.entries);
  }

  #room(key: string): PoolEntry[] | 'reaping' | null {
    return this.table.room(key, this.gate, this.options.maxWorkers);
  }

  /** Serve now (a promise of the reserved entry) or say why not. Throws when it can never fit. */
  #tryServe(key: string, source: Source): Served {
    const warm = leastRecentIdle(this.entries, key);
    if (warm) {
      warm.state = 'leased';
      this.counters.keyHits += 1;
      this.lastKeyMissReason = null;
      return this.#prepareWarm(warm);
    }
    if (this.gate.overBudgetAlone(key)) return this.#refuseBudget(key);
    const room = this.#room(key);
    if (room === 'reaping') return 'wait';
    if (room === null) {
      const busy = [...this.entries].some((e) => e.state !== 'idle');
      // Nothing running can ever free memory for it: refuse rather than wait forever.
      if (!busy && this.table.starting === 0 && this.closingEntries.size === 0)
        return this.#refuseBudget(key);
      return 'wait';
    }
    if (room.length === 0) return this.#coldOpen(key, source);
    for (const victim of room) {
      this.counters.evictions += 1;
      publish('eviction', this.options.poolId, { key: victim.key, forKey: key });
      this.table.retire(victim, 'graceful');
    }
    return 'evicting';
  }

  #refuseBudget(key: string): never {
    this.counters.coldOpenRefusals += 1;
    this.refusalReason = 'memory_budget';
    publish('admission-refused', this.options.poolId, { key, reason: 'memory_budget' });
    throw this.#budgetError(key);
  }

  async #prepareWarm(entry: PoolEntry): Promise<PoolEntry> {
    try {
      await readyForLease(entry, this.options.memoryMeasure, (e, reason) => this.cycleEntry(e, reason));
    } catch (error) {
      this.table.retire(entry, 'kill');
      throw error;
    }
    return entry;
  }

  #coldOpen(key: string, source: Source): Promise<PoolEntry> {
    this.lastKeyMissReason = this.entries.size === 0 ? 'empty_pool' : 'no_matching_key';
    noteColdOpenAttempt(this.counters, this.entries.size === 0, this.table.starting + 1);
    const run = this.table.open(() => this.#openEntry(key, source));
    // Once the slot count no longer holds this start, serve whoever waits for it.
    run.finally(() => this.#pump()).catch(() => {});
    return run;
  }

  async #openEntry(key: string, source: Source): Promise<PoolEntry> {
    const entry = await startEntry({
      key,
      source,
      options: this.options,
      memory: this.memory,
      start: this.#start,
      onExhausted: (e) => this.#onExhausted(e),
      failures: this.#startFailures,
      quarantine: this.quarantine,
    });
    if (this.#closed) {
      // The pool closed during the start: the worker must not outlive it.
      await this.table.discard(entry);
      throw poolClosedError();
    }
    this.entries.add(entry);
    entry.handle.onUnusable(() => {
      if (entry.state === 'idle') this.table.retire(entry, 'kill');
    });
    this.counters.coldOpenAdmitted += 1;
    return entry;
  }

  #onExhausted(entry: PoolEntry): void {
    this.quarantine.add(entry.key, entry.policy.quarantineMs);
    if (entry.state === 'idle') this.table.retire(entry, 'kill');
  }

  #pump(): void {
    if (this.#closed) return;
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.pick(
        (key) => leastRecentIdle(this.entries, key) !== null,
        (key) => Array.isArray(this.#room(key)),
      );
      if (!waiter) return;
      let served: Served;
      try {
        served = this.#tryServe(waiter.key, waiter.source);
      } catch (error) {
        this.#waiters.remove(waiter);
        waiter.reject(error as LeanWorkerError);
        continue;
      }
      // Evicting for it, or waiting on a reap: it keeps its place until a slot is free.
      if (served === 'wait' || served === 'evicting') return;
      this.#waiters.take(waiter);
      waiter.resolve(deliver(served, waiter.signal, (e) => this.returnEntry(e)));
    }
  }

  /** Start the background memory sampler (off the request path). */
  startSampler(): void {
    this.gate.start(() => this.entries);
  }

  /**
   * Close the table: refuse waiters, wait for cold opens in flight, let leases finish until
   * `timeoutMs`, then shut every worker down and wait until each is reaped. A second call shares
   * the first; a `kill` call ends the wait for leases at once and kills what is left.
   */
  close(timeoutMs: number, mode: 'graceful' | 'kill'): Promise<CloseCounts> {
    if (mode === 'kill') {
      this.#killNow = true;
      this.table.changed();
      this.table.killExiting();
    }
    this.#closeRun ??= this.#runClose(performance.now() + timeoutMs);
    return this.#closeRun;
  }

  async #runClose(deadline: number): Promise<CloseCounts> {
    this.#closed = true;
    this.gate.stop();
    this.#waiters.rejectAll(poolClosedError);
    return this.table.closeAll(deadline, () => this.#killNow);
  }
}
