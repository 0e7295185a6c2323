/**
 * Admission and the worker table: warm reuse, cold opens under the memory budget, LRU eviction of
 * idle workers of other keys, the waiter queue, quarantine of crash-looping keys, and the lease
 * host (policy before commands, bookkeeping after outcomes, release).
 */
import { ErrorCode, type LeanWorkerError } from '../errors.js';
import { LeanWorkerSessionLease } from '../lease.js';
import type { ShutdownReport } from '../protocol/port-messages.js';
import type { ResolvedWorker } from '../worker-spec.js';
import { closeWorkers } from './close-workers.js';
import {
  type AdmissionCounters,
  addCounters,
  emptyAdmissionCounters,
  emptyCounters,
  noteColdOpenAttempt,
  RecentValues,
} from './counters.js';
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

interface Source {
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}
interface Pending {
  readonly key: string;
  readonly source: Source;
}

export class Admission {
  readonly options: ResolvedPoolOptions;
  readonly counters: AdmissionCounters = emptyAdmissionCounters();
  readonly retired = emptyCounters();
  readonly gate: MemoryGate;
  readonly entries = new Set<PoolEntry>();
  readonly quarantine: Quarantine;
  /** The last 4,096 queue waits, for the snapshot's percentiles. */
  readonly queueWaits = new RecentValues(4096);
  readonly keysSeen = new Set<string>();
  readonly #waiters: WaiterQueue<PoolEntry>;
  readonly #start: StartFn;
  readonly #sources = new Map<string, Source>();
  readonly #closing = new Set<Promise<ShutdownReport>>();
  readonly #startFailures = new StartFailures();
  #starting = 0;
  readonly #leaseHost = new PoolLeaseHost(this);
  #closed = false;
  #releaseWaiters: (() => void)[] = [];
  lastKeyMissReason: string | null = null;
  refusalReason: string | null = null;

  constructor(options: ResolvedPoolOptions, start: StartFn) {
    this.options = options;
    this.gate = new MemoryGate(options);
    this.quarantine = new Quarantine(options.restart.quarantineMs);
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
    return this.#starting;
  }

  /** Get an entry reserved for the caller (state `leased`). */
  async acquire(
    source: Source,
    opts: { signal?: AbortSignal | undefined; timeoutMs: number },
  ): Promise<PoolEntry> {
    const key = source.sessionKey();
    this.keysSeen.add(key);
    this.#sources.set(key, source);
    const quarantined = this.quarantine.refusal(key);
    if (quarantined) {
      this.counters.quarantineRejections += 1;
      throw quarantined;
    }
    const began = performance.now();
    const immediate = this.#tryServe({ key, source });
    if (immediate !== 'wait') {
      this.queueWaits.record(performance.now() - began);
      return immediate;
    }
    if (opts.timeoutMs === 0) {
      this.counters.coldOpenRefusals += 1;
      const memoryBound = this.#freeSlots() > 0;
      this.refusalReason = memoryBound ? 'memory_budget' : 'max_workers';
      publish('admission-refused', { key, reason: this.refusalReason });
      if (memoryBound) throw this.#budgetError(key);
      throw exhaustedError(this.options.maxWorkers);
    }
    if (this.#waiters.size >= this.options.maxQueuedAcquires) {
      this.counters.queueFullRejections += 1;
      publish('admission-refused', { key, reason: 'queue_full' });
      throw queueFullError(this.options.maxQueuedAcquires);
    }
    const entry = await this.#waiters
      .add(key, opts.timeoutMs, opts.signal, (waitedMs) => {
        this.counters.queueTimeouts += 1;
        this.refusalReason = 'queue_timeout';
        publish('admission-refused', { key, reason: 'queue_timeout', waitedMs });
        return queueTimeoutError(waitedMs, opts.timeoutMs, this.#waiters.size);
      })
      .catch((error: LeanWorkerError) => {
        if (error.code === ErrorCode.ABORTED) this.counters.queueAborts += 1;
        throw error;
      });
    this.queueWaits.record(performance.now() - began);
    return entry;
  }

  /** Wrap a reserved entry in a lease. */
  grant(entry: PoolEntry, requestTimeoutMs: number): LeanWorkerSessionLease {
    this.counters.leasesGranted += 1;
    publish('lease-granted', { key: entry.key, generation: entry.generation });
    return new LeanWorkerSessionLease<PoolEntry>(
      this.#leaseHost,
      entry,
      entry.generation,
      requestTimeoutMs,
    ) as never;
  }

  /** Put a released entry back to work (or retire it) and serve the queue. */
  returnEntry(entry: PoolEntry): void {
    if (entry.state !== 'leased') return;
    entry.state = 'idle';
    entry.lastUsedAt = performance.now();
    if (entry.exhausted || entry.handle.closed) this.#retire(entry, 'kill');
    for (const wake of this.#releaseWaiters.splice(0)) wake();
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
    return this.options.maxWorkers - this.entries.size - this.#starting;
  }

  #budgetError(key: string): LeanWorkerError {
    this.counters.memoryBudgetRejections += 1;
    return this.gate.budgetError(key, this.entries);
  }

  #evictionsFor(key: string): PoolEntry[] | null {
    return this.gate.evictionsFor(key, this.entries, this.#freeSlots() > 0, this.#starting);
  }

  /** Serve now (a promise of the reserved entry) or say 'wait'. Throws when it can never fit. */
  #tryServe(p: Pending): Promise<PoolEntry> | 'wait' {
    const warm = leastRecentIdle(this.entries, p.key);
    if (warm) {
      warm.state = 'leased';
      this.counters.keyHits += 1;
      this.lastKeyMissReason = null;
      return this.#prepareWarm(warm);
    }
    const victims = this.#evictionsFor(p.key);
    if (victims) {
      for (const victim of victims) {
        this.counters.evictions += 1;
        publish('eviction', { key: victim.key, forKey: p.key });
        this.#retire(victim, 'graceful');
      }
      return this.#coldOpen(p);
    }
    const busy = [...this.entries].some((e) => e.state !== 'idle');
    if (!busy && this.#starting === 0) {
      // Nothing running can ever free memory for it: refuse rather than wait forever.
      this.counters.coldOpenRefusals += 1;
      this.refusalReason = 'memory_budget';
      throw this.#budgetError(p.key);
    }
    return 'wait';
  }

  async #prepareWarm(entry: PoolEntry): Promise<PoolEntry> {
    try {
      await readyForLease(entry, this.options.memoryMeasure, (e, reason) => this.cycleEntry(e, reason));
    } catch (error) {
      this.#retire(entry, 'kill');
      throw error;
    }
    return entry;
  }

  async #coldOpen(p: Pending): Promise<PoolEntry> {
    this.lastKeyMissReason = this.entries.size === 0 ? 'empty_pool' : 'no_matching_key';
    this.#starting += 1;
    noteColdOpenAttempt(this.counters, this.entries.size === 0, this.#starting);
    try {
      const entry = await startEntry({
        key: p.key,
        source: p.source,
        options: this.options,
        memory: this.memory,
        start: this.#start,
        onExhausted: (e) => this.#onExhausted(e),
        failures: this.#startFailures,
        quarantine: this.quarantine,
      });
      this.entries.add(entry);
      this.counters.coldOpenAdmitted += 1;
      return entry;
    } finally {
      this.#starting -= 1;
      queueMicrotask(() => this.#pump());
    }
  }

  #onExhausted(entry: PoolEntry): void {
    this.quarantine.add(entry.key);
    if (entry.state === 'idle') this.#retire(entry, 'kill');
  }

  #retire(entry: PoolEntry, mode: 'graceful' | 'kill'): void {
    if (!this.entries.delete(entry)) return;
    entry.state = 'closing';
    addCounters(this.retired, entry.counters);
    const done = entry.handle.shutdown(mode).finally(() => {
      entry.state = 'closed';
      this.#closing.delete(done);
      this.#pump();
    });
    this.#closing.add(done);
    publish('shutdown', { key: entry.key, mode });
  }

  #pump(): void {
    if (this.#closed) return;
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.pick(
        (key) => leastRecentIdle(this.entries, key) !== null,
        (key) => this.#evictionsFor(key) !== null,
      );
      if (!waiter) return;
      const source = this.#sources.get(waiter.key) as Source;
      let served: Promise<PoolEntry> | 'wait';
      try {
        served = this.#tryServe({ key: waiter.key, source });
      } catch (error) {
        waiter.reject(error as LeanWorkerError);
        continue;
      }
      if (served === 'wait') {
        // Unreachable while the pick mirrors `#tryServe`; refuse rather than lose the waiter.
        waiter.reject(this.#budgetError(waiter.key));
        continue;
      }
      served.then(waiter.resolve, waiter.reject);
    }
  }

  /** Start the background memory sampler (off the request path). */
  startSampler(): void {
    this.gate.start(() => this.entries);
  }

  async close(timeoutMs: number, mode: 'graceful' | 'kill') {
    this.#closed = true;
    this.gate.stop();
    this.#waiters.rejectAll(poolClosedError);
    return closeWorkers(
      {
        entries: this.entries,
        closing: this.#closing,
        retired: this.retired,
        nextRelease: () => new Promise<void>((resolve) => this.#releaseWaiters.push(resolve)),
      },
      timeoutMs,
      mode,
    );
  }
}
