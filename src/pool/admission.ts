/**
 * Admission: who gets a worker and when. It owns the worker table, the waiter queue, the
 * counters, quarantine and the memory gate; other modules call `acquire`, `grant`, `release`,
 * `hint` and `close`, and read `stats()`. What serving one key takes is planned in
 * `admission-plan.ts` (warm reuse, look-ahead to a busy worker of the key, the hard budget);
 * which waiter goes first is the queue's (`waiters.ts`: warm first, then the start that serves
 * most waiters, weighted-fair across clients, with a bound on bypasses); starting workers, for
 * callers and in the background, is `worker-opens.ts`. A worker holds its slot from the start of
 * its cold open until its child is reaped, so `maxWorkers` bounds the children alive.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import { type LeanWorkerLease, LeanWorkerSessionLease } from '../lease.js';
import { LeanReplLease } from '../repl/lease.js';
import {
  boundedFromStart,
  HoldTimes,
  nextToServe,
  type Plan,
  planFor,
  type WaitReason,
} from './admission-plan.js';
import { SeenKeys } from './bounded-map.js';
import { emptyAdmissionCounters, RecentValues } from './counters.js';
import { publish } from './events.js';
import { leaseHost } from './lease-host.js';
import { MemoryGate } from './memory-gate.js';
import type { ResolvedPoolOptions } from './options.js';
import { Quarantine } from './quarantine.js';
import { type Refusal, type RefusalOf, Refusals } from './refusals.js';
import { type AcquireRequest, deliver, WaiterQueue, Wakeup } from './waiters.js';
import type { PoolWorker } from './worker.js';
import { type Source, type StartFn, startSupervisor, WorkerOpens } from './worker-opens.js';
import { type CloseCounts, WorkerTable } from './worker-table.js';

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
  readonly #waiters: WaiterQueue<PoolWorker, Source, WaitReason>;
  readonly #refusals: Refusals;
  readonly #holds = new HoldTimes();
  readonly #opens: WorkerOpens;
  #closed = false;
  readonly #wakeup = new Wakeup(() => this.#pump());

  /** `start` starts a worker's supervisor and child; tests pass one of fake workers. */
  constructor(options: ResolvedPoolOptions, start: StartFn = startSupervisor) {
    this.#options = options;
    this.#gate = new MemoryGate(options);
    this.#table = new WorkerTable(options, () => {
      this.#gate.refresh();
      this.#pump();
    });
    this.#quarantine = new Quarantine(options.policy.quarantineMs, options.poolId);
    this.#waiters = new WaiterQueue(options.maxWaiterBypasses, options.clientWeights);
    this.#refusals = new Refusals(options, this.#counters, this.#gate);
    this.#opens = new WorkerOpens({
      options,
      table: this.#table,
      gate: this.#gate,
      quarantine: this.#quarantine,
      counters: this.#counters,
      start,
      closed: () => this.#closed,
      changed: () => this.#pump(),
      holdMs: () => this.#holds.meanMs,
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Get a worker reserved for the caller (state `leased`). */
  async acquire(source: Source, opts: AcquireRequest): Promise<PoolWorker> {
    const key = source.sessionKey();
    this.#keys.note(key);
    const quarantined = this.#quarantine.refusal(key);
    if (quarantined) throw this.#quarantined(key, opts.client, quarantined);
    const began = performance.now();
    let pending: Promise<PoolWorker>;
    if (this.#waiters.size === 0 || opts.timeoutMs === 0) {
      const plan = this.#plan(key, opts.timeoutMs > 0, this.#waiters.waitingFor(key) + 1, began);
      pending =
        plan.kind === 'warm' || plan.kind === 'cold'
          ? this.#serve(plan, key, source, opts.signal)
          : this.#queue(plan, key, source, opts);
    } else {
      pending = this.#enqueue(key, source, opts);
      this.#pump();
    }
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
    worker.leasedAt = performance.now();
    this.#gate.eviction.noteRequest(worker.key);
    publish('lease-granted', this.#options.poolId, worker.key, { generation: worker.generation });
    if (this.#waiters.size === 0) this.#opens.spares();
    const host = leaseHost(worker, this.#options.memoryMeasure, () => {
      this.#counters.leasesReleased += 1;
      publish('lease-released', this.#options.poolId, worker.key, { generation: worker.generation });
      this.release(worker);
    });
    return worker.resolved.child?.kind === 'repl'
      ? new LeanReplLease(host, worker.generation, requestTimeoutMs)
      : new LeanWorkerSessionLease(host, worker.generation, requestTimeoutMs);
  }

  /** Put a reserved worker back to work (or retire it) and serve the queue. */
  release(worker: PoolWorker): void {
    if (worker.state !== 'leased') return;
    const now = performance.now();
    if (worker.leasedAt !== null) this.#holds.note(now - worker.leasedAt);
    worker.leasedAt = null;
    worker.state = 'idle';
    worker.lastUsedAt = now;
    if (!worker.usable) this.#table.retire(worker, 'kill');
    else this.#opens.released(worker);
    this.#table.changed();
    this.#pump();
  }

  /** Keys the pool will be asked for next, in order (`pool.hint`). */
  hint(keys: readonly string[]): void {
    this.#gate.eviction.hint(keys);
    this.#pump();
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
      startingWorkers: this.#table.starts.size,
      queueDepth: this.#waiters.size,
      queueWaits: [...this.#queueWaits.values],
      distinctKeysSeen: this.#keys.distinct,
      trackedKeys: this.#keys.tracked,
      lastKeyMissReason: this.#opens.lastKeyMissReason,
      refusalReason: this.#refusals.last,
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
      this.#wakeup.cancel();
      this.#waiters.rejectAll(() => makeError(ErrorCode.POOL_CLOSED, 'the pool closed while waiting'));
    }
    return this.#table.close(performance.now() + timeoutMs, mode);
  }

  #refuse(r: RefusalOf): LeanWorkerError {
    return this.#refusals.refuse(r, this.#waiters.size, this.#table.held());
  }

  /** The QUARANTINED refusal of an acquire of `key`. */
  #quarantined(key: string, client: string | undefined, quarantined: LeanWorkerError): LeanWorkerError {
    return this.#refuse({ key, reason: 'quarantined', waitedFor: 'quarantine', client, quarantined });
  }

  /** `wanted`: the keys queued waiters ask for (their idle workers are evicted last). */
  #plan(key: string, mayWait: boolean, ahead: number, since: number, wanted = this.#waiters.keys()): Plan {
    const request = { key, mayWait, sameKeyAhead: ahead, since, wanted };
    return planFor(request, this.#table, this.#gate, this.#holds);
  }

  /** A plan that cannot serve now: refuse, or evict and queue (waiting disabled: only for a reap). */
  #queue(plan: Plan, key: string, source: Source, opts: AcquireRequest): Promise<PoolWorker> {
    const { client } = opts;
    if (plan.kind === 'refuse') throw this.#refuse({ key, reason: 'memory_budget', waitedFor: null, client });
    if (plan.kind === 'wait' && opts.timeoutMs === 0) {
      // Waiting is disabled and nothing can serve `key` now.
      const reason: Refusal = this.#table.freeSlots() > 0 ? 'memory_budget' : 'max_workers';
      throw this.#refuse({ key, reason, waitedFor: plan.reason, client });
    }
    if (plan.kind === 'evict') this.#counters.evictions += this.#table.evict(plan.victims, key);
    const pending = this.#enqueue(key, source, opts, plan.kind === 'wait' ? plan.reason : 'reaping');
    if (plan.kind === 'wait' && plan.until !== undefined) this.#wakeup.at(plan.until);
    return pending;
  }

  /** Queue for a worker (or for evicted children to be reaped), up to `opts.timeoutMs`. */
  #enqueue(
    key: string,
    source: Source,
    opts: AcquireRequest,
    reason: WaitReason | null = null,
  ): Promise<PoolWorker> {
    const { client } = opts;
    if (this.#waiters.size >= this.#options.maxQueuedAcquires)
      throw this.#refuse({ key, reason: 'queue_full', waitedFor: reason ?? 'workers', client });
    const lookAheadSince = reason && boundedFromStart(reason) ? performance.now() : undefined;
    const item = { key, source, client: client ?? '', reason, lookAheadSince };
    return this.#waiters.add(item, opts.timeoutMs, opts.signal, (w) =>
      this.#refuse({
        key,
        reason: 'queue_timeout',
        waitedFor: w.reason ?? 'workers',
        client,
        waitedMs: performance.now() - w.enqueuedAt,
        timeoutMs: opts.timeoutMs,
      }),
    );
  }

  /** Serve a warm or cold plan: the worker, leased to the caller once ready (`deliver` on abort). */
  #serve(plan: Plan, key: string, source: Source, signal: AbortSignal | undefined): Promise<PoolWorker> {
    let ready: Promise<PoolWorker>;
    if (plan.kind === 'warm') {
      plan.worker.state = 'leased';
      this.#opens.noteHit(plan.worker);
      ready = this.#opens.prepareWarm(plan.worker);
    } else ready = this.#opens.open(key, source, 'caller', plan.kind === 'cold' && plan.unknownCost);
    return deliver(ready, signal, (w) => this.release(w));
  }

  /** Serve whoever can be served, in the queue's order, then start spares when nobody waits. */
  #pump(): void {
    if (this.#closed) return;
    for (const w of [...this.#waiters.items]) {
      const quarantined = this.#quarantine.refusal(w.key);
      if (!quarantined) continue;
      this.#waiters.remove(w);
      w.reject(this.#quarantined(w.key, w.client || undefined, quarantined));
    }
    let until = Number.POSITIVE_INFINITY;
    while (this.#waiters.size > 0) {
      const wanted = this.#waiters.keys();
      const next = nextToServe(this.#waiters, (key, ahead, since) =>
        this.#plan(key, true, ahead, since, wanted),
      );
      until = Math.min(until, next.until);
      const { chosen, plan } = next;
      if (!chosen || !plan || plan.kind === 'wait') break;
      if (plan.kind === 'refuse') {
        this.#waiters.remove(chosen);
        const client = chosen.client || undefined;
        chosen.reject(
          this.#refuse({ key: chosen.key, reason: 'memory_budget', waitedFor: chosen.reason, client }),
        );
        continue;
      }
      if (plan.kind === 'evict') {
        // It keeps its place until the evicted children are reaped.
        this.#counters.evictions += this.#table.evict(plan.victims, chosen.key);
        chosen.reason = 'reaping';
        break;
      }
      this.#waiters.take(chosen);
      chosen.resolve(this.#serve(plan, chosen.key, chosen.source, chosen.signal));
    }
    if (Number.isFinite(until)) this.#wakeup.at(until);
    if (this.#waiters.size === 0) this.#opens.spares();
  }
}
