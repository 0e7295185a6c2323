/**
 * Admission: warm reuse, cold opens under the memory budget, LRU eviction of idle workers of
 * other keys, the waiter queue, quarantine of crash-looping keys, and the leases it grants. It
 * owns its worker table and its counters: other modules call `acquire`, `grant`, `release` and
 * `close`, and read `stats()`. A worker holds its slot from the start of its cold open until its
 * child is reaped, so `maxWorkers` bounds the children alive, evicted ones still exiting included.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import { type LeanWorkerLease, LeanWorkerSessionLease } from '../lease.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import { LeanReplLease } from '../repl/lease.js';
import { SeenKeys } from './bounded-map.js';
import { emptyAdmissionCounters, noteColdOpenAttempt, RecentValues } from './counters.js';
import { publish } from './events.js';
import { PoolLeaseHost } from './lease-host.js';
import { MemoryGate } from './memory-gate.js';
import type { ResolvedPoolOptions } from './options.js';
import { Quarantine } from './quarantine.js';
import { needsSession, openSession } from './session-open.js';
import { deliver, WaiterQueue } from './waiters.js';
import type { PoolWorker } from './worker.js';
import { type StartFn, startSupervisor, startWorker } from './worker-start.js';
import { type CloseCounts, WorkerTable } from './worker-table.js';

interface Source {
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}

/** What serving an acquire now gives: the worker (being readied), or why it must wait. */
type Served = Promise<PoolWorker> | 'wait' | 'evicting';

/** A refusal of admission, as `admission-refused` names it. */
type Refusal = 'max_workers' | 'memory_budget' | 'queue_full' | 'queue_timeout';

/** Admission's figures for `pool.snapshot()`: plain values, and the live workers to read. */
export type AdmissionStats = ReturnType<Admission['stats']>;

export class Admission {
  readonly #options: ResolvedPoolOptions;
  readonly #counters = emptyAdmissionCounters();
  readonly #gate: MemoryGate;
  readonly #table: WorkerTable;
  readonly #quarantine: Quarantine;
  readonly #queueWaits = new RecentValues(4096);
  readonly #keys = new SeenKeys();
  readonly #waiters: WaiterQueue<PoolWorker, Source>;
  readonly #start: StartFn;
  readonly #leaseHost: PoolLeaseHost;
  #closed = false;
  #lastKeyMissReason: string | null = null;
  #refusalReason: string | null = null;

  /** `start` starts a worker's supervisor and child; tests pass one of fake workers. */
  constructor(options: ResolvedPoolOptions, start: StartFn = startSupervisor) {
    this.#options = options;
    this.#gate = new MemoryGate(options);
    this.#table = new WorkerTable(options, this.#gate, () => this.#pump());
    this.#quarantine = new Quarantine(options.policy.quarantineMs, options.poolId);
    this.#waiters = new WaiterQueue(options.maxWaiterBypasses);
    this.#start = start;
    this.#leaseHost = new PoolLeaseHost(options.memoryMeasure, (worker) => {
      this.#counters.leasesReleased += 1;
      publish('lease-released', options.poolId, worker.key, { generation: worker.generation });
      this.release(worker);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Get a worker reserved for the caller (state `leased`). */
  async acquire(
    source: Source,
    opts: { signal?: AbortSignal | undefined; timeoutMs: number },
  ): Promise<PoolWorker> {
    const key = source.sessionKey();
    this.#keys.note(key);
    const quarantined = this.#quarantine.refusal(key);
    if (quarantined) {
      this.#counters.quarantineRejections += 1;
      throw quarantined;
    }
    const began = performance.now();
    const served = this.#tryServe(key, source);
    if (served === 'wait' && opts.timeoutMs === 0) {
      // Waiting is disabled and nothing can serve `key` now.
      throw this.#refuse(key, this.#table.freeSlots() > 0 ? 'memory_budget' : 'max_workers');
    }
    const pending =
      served === 'wait' || served === 'evicting'
        ? this.#enqueue(key, source, opts)
        : deliver(served, opts.signal, (w) => this.release(w));
    const worker = await pending.catch((error: LeanWorkerError) => {
      if (error.code === ErrorCode.ABORTED) this.#counters.queueAborts += 1;
      throw error;
    });
    this.#queueWaits.record(performance.now() - began);
    return worker;
  }

  /** Wrap a reserved worker in a lease. */
  grant(worker: PoolWorker, requestTimeoutMs: number): LeanWorkerLease {
    this.#counters.leasesGranted += 1;
    this.#gate.eviction.noteRequest(worker.key);
    publish('lease-granted', this.#options.poolId, worker.key, { generation: worker.generation });
    const host = this.#leaseHost.bind(worker);
    return worker.resolved.child?.kind === 'repl'
      ? new LeanReplLease(host, worker.generation, requestTimeoutMs)
      : new LeanWorkerSessionLease(host, worker.generation, requestTimeoutMs);
  }

  /** Put a reserved worker back to work (or retire it) and serve the queue. */
  release(worker: PoolWorker): void {
    if (worker.state !== 'leased') return;
    worker.state = 'idle';
    worker.lastUsedAt = performance.now();
    if (!worker.usable) this.#table.retire(worker, 'kill');
    this.#table.changed();
    this.#pump();
  }

  /** Keys the pool will be asked for next, in order (`pool.hint`). */
  hint(keys: readonly string[]): void {
    this.#gate.eviction.hint(keys);
  }

  /** Start the background memory sampler (off the request path). */
  startSampler(): void {
    this.#gate.start(() => this.#table.live);
  }

  /** Counters and figures, for `pool.snapshot()`. */
  stats() {
    const workers: readonly PoolWorker[] = [...this.#table.live];
    return {
      ...this.#counters,
      /** Counters of every worker: gone, exiting and live. */
      totals: this.#table.totals(),
      workers,
      exitingWorkers: this.#table.exiting.size,
      startingWorkers: this.#table.starting,
      queueDepth: this.#waiters.size,
      queueWaits: [...this.#queueWaits.values],
      distinctKeysSeen: this.#keys.distinct,
      trackedKeys: this.#keys.tracked,
      lastKeyMissReason: this.#lastKeyMissReason,
      refusalReason: this.#refusalReason,
      quarantinedKeys: this.#quarantine.size,
      memory: this.#gate.policy.figures(workers),
      learnedKeys: this.#gate.policy.learnedKeys(),
      system: this.#gate.system,
    };
  }

  /**
   * Close the table: refuse waiters, wait for cold opens in flight, let leases finish until
   * `timeoutMs`, then shut every worker down and wait until each is reaped. A second call shares
   * the first; a `kill` call ends the wait for leases at once and kills what is left.
   */
  close(timeoutMs: number, mode: 'graceful' | 'kill'): Promise<CloseCounts> {
    if (!this.#closed) {
      this.#closed = true;
      this.#gate.stop();
      this.#waiters.rejectAll(() => makeError(ErrorCode.POOL_CLOSED, 'the pool closed while waiting'));
    }
    return this.#table.close(performance.now() + timeoutMs, mode);
  }

  /** Count, record and publish a refusal of `key`; the typed error to throw. */
  #refuse(key: string, reason: Refusal, waitedMs?: number, timeoutMs = 0): LeanWorkerError {
    const c = this.#counters;
    const o = this.#options;
    publish('admission-refused', o.poolId, key, waitedMs === undefined ? { reason } : { reason, waitedMs });
    if (reason === 'queue_full') {
      c.queueFullRejections += 1;
      const facts = { maxQueuedAcquires: o.maxQueuedAcquires };
      return makeError(ErrorCode.QUEUE_FULL, 'the admission queue is full', { facts });
    }
    this.#refusalReason = reason;
    if (reason === 'queue_timeout') {
      c.queueTimeouts += 1;
      return makeError(ErrorCode.QUEUE_TIMEOUT, `no worker within ${timeoutMs} ms`, {
        facts: { queueWaitMs: Math.round(waitedMs ?? 0), timeoutMs, queueDepth: this.#waiters.size },
      });
    }
    c.coldOpenRefusals += 1;
    if (reason === 'max_workers') {
      const facts = { maxWorkers: o.maxWorkers };
      return makeError(ErrorCode.POOL_EXHAUSTED, 'every worker is busy and waiting is disabled', { facts });
    }
    c.memoryBudgetRejections += 1;
    return this.#gate.budgetError(key, this.#table.live);
  }

  /** Queue for a worker (or for evicted children to be reaped), up to `opts.timeoutMs`. */
  #enqueue(key: string, source: Source, opts: { signal?: AbortSignal | undefined; timeoutMs: number }) {
    if (this.#waiters.size >= this.#options.maxQueuedAcquires) throw this.#refuse(key, 'queue_full');
    return this.#waiters.add(key, source, opts.timeoutMs, opts.signal, (waitedMs) =>
      this.#refuse(key, 'queue_timeout', waitedMs, opts.timeoutMs),
    );
  }

  /** Serve now (a promise of the reserved worker) or say why not. Throws when it can never fit. */
  #tryServe(key: string, source: Source): Served {
    const warm = this.#table.warm(key);
    if (warm) {
      warm.state = 'leased';
      this.#counters.keyHits += 1;
      this.#lastKeyMissReason = null;
      return this.#prepareWarm(warm);
    }
    if (this.#gate.overBudgetAlone(key)) throw this.#refuse(key, 'memory_budget');
    const room = this.#table.room(key);
    if (room === 'reaping') return 'wait';
    if (room === null) {
      // Nothing running can ever free memory for it: refuse rather than wait forever.
      if (this.#table.settled) throw this.#refuse(key, 'memory_budget');
      return 'wait';
    }
    if (room.length === 0) return this.#coldOpen(key, source);
    for (const victim of room) {
      this.#counters.evictions += 1;
      publish('eviction', this.#options.poolId, victim.key, { forKey: key });
      this.#table.retire(victim, 'graceful');
    }
    return 'evicting';
  }

  /**
   * Make a warm worker ready: wait out a restart (the lease gets the replacing generation), cycle
   * it when idle past its limit or used up, reopen the session of a fresh generation; else retire.
   */
  async #prepareWarm(worker: PoolWorker): Promise<PoolWorker> {
    try {
      await worker.handle.whenReady();
      const reason = worker.policyReason(this.#options.memoryMeasure, true);
      if (reason) await worker.cycle(reason);
      if (needsSession(worker)) await openSession(worker);
    } catch (error) {
      this.#table.retire(worker, 'kill');
      throw error;
    }
    return worker;
  }

  #coldOpen(key: string, source: Source): Promise<PoolWorker> {
    const poolEmpty = this.#table.live.size === 0;
    this.#lastKeyMissReason = poolEmpty ? 'empty_pool' : 'no_matching_key';
    noteColdOpenAttempt(this.#counters, poolEmpty, this.#table.starting + 1);
    const run = this.#table.open(() => this.#openWorker(key, source));
    // Once the slot count no longer holds this start, serve whoever waits for it.
    run.finally(() => this.#pump()).catch(() => {});
    return run;
  }

  async #openWorker(key: string, source: Source): Promise<PoolWorker> {
    const began = performance.now();
    const worker = await startWorker({
      key,
      source,
      options: this.#options,
      memory: this.#gate.policy,
      start: this.#start,
      quarantine: this.#quarantine,
      onExhausted: (w) => {
        this.#quarantine.add(w.key, w.policy.quarantineMs);
        if (w.state === 'idle') this.#table.retire(w, 'kill');
      },
    });
    if (this.#closed) {
      // The pool closed during the start: the worker must not outlive it.
      await this.#table.discard(worker);
      throw makeError(ErrorCode.POOL_CLOSED, 'the pool closed while waiting');
    }
    this.#gate.eviction.noteOpen(key, performance.now() - began);
    this.#table.add(worker);
    this.#counters.coldOpenAdmitted += 1;
    return worker;
  }

  #pump(): void {
    if (this.#closed) return;
    while (this.#waiters.size > 0) {
      const waiter = this.#waiters.pick(
        (key) => this.#table.warm(key) !== null,
        (key) => Array.isArray(this.#table.room(key)),
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
      waiter.resolve(deliver(served, waiter.signal, (w) => this.release(w)));
    }
  }
}
