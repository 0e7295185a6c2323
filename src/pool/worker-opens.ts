/**
 * Starting workers: cold opens for callers, and two kinds in the background that spare callers
 * an import. A spare (`spares` option) is a second worker of a hot key, started while nobody
 * waits, a slot is free and it fits the budget without evicting anything: the hot key's busy or
 * restarting worker then never makes its next caller wait for an import. A replacement
 * (`replaceInBackground`) starts when a released worker is used up or near it (its `maxRequests`,
 * `maxImports` or memory ceiling), while the old one still serves; the old one is retired once the
 * new one is ready and it is idle. Near `maxRequests` means fewer requests left than fit in one
 * cold open of its key at the mean lease hold time (at least one), so the replacement is ready
 * when the old one runs out. A background start that fails counts toward its key's quarantine
 * like any start.
 *
 * A cold worker is started through the pool's `StartFn` (the seam: production starts a supervisor
 * thread and its child, tests start fake workers without processes) under the key's effective
 * policy; its session is opened, its first memory sample taken and its key's cost learned. On any
 * failure the half-started worker is killed before the error propagates; a failed start counts
 * toward the key's quarantine, except one that says this process needs an init (`init_required`).
 */
import { ErrorCode, makeError } from '../errors.js';
import { type EffectivePolicy, effectivePolicy, restartIntensity } from '../protocol/worker-policy.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import type { SupervisorConfig } from '../worker/supervisor-handle.js';
import { type AdmissionCounters, noteColdOpenAttempt } from './counters.js';
import type { MemoryGate } from './memory-gate.js';
import { measureOf } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import type { Quarantine } from './quarantine.js';
import { openSession } from './session-open.js';
import { PoolWorker, type WorkerHandle } from './worker.js';
import type { StartPurpose, WorkerTable } from './worker-table.js';

/**
 * Start a worker's first generation. A start that fails rejects with `SupervisorStartError`
 * carrying the public error; anything else it throws is passed on as it is.
 */
export type StartFn = (config: SupervisorConfig, options: ResolvedPoolOptions) => Promise<WorkerHandle>;

/**
 * The production start: a supervisor thread and its child. The supervisor machinery (worker
 * thread, comlink) loads with the first worker, not on import.
 */
export const startSupervisor: StartFn = async (config, options) => {
  const { SupervisorHandle } = await import('../worker/supervisor-handle.js');
  return SupervisorHandle.start(config, undefined, options.supervisorEntry);
};

export interface Source {
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}

/** A key asked for about twice lately (decayed frequency) is hot enough for a spare. */
const SPARE_MIN_FREQUENCY = 1.5;

export interface OpensContext {
  readonly options: ResolvedPoolOptions;
  readonly table: WorkerTable;
  readonly gate: MemoryGate;
  readonly quarantine: Quarantine;
  readonly counters: AdmissionCounters;
  readonly start: StartFn;
  readonly closed: () => boolean;
  /** Something changed that may serve a waiter (a start settled, a worker retired). */
  readonly changed: () => void;
  /** Mean lease hold time (ms), null before the first release. */
  readonly holdMs: () => number | null;
}

export class WorkerOpens {
  readonly #c: OpensContext;
  /** Why the last cold open for a caller missed (`snapshot().lastKeyMissReason`). */
  lastKeyMissReason: string | null = null;

  constructor(context: OpensContext) {
    this.#c = context;
  }

  /** A warm worker was leased: a hit, and a background-started worker's first use. */
  noteHit(worker: PoolWorker): void {
    this.#c.counters.keyHits += 1;
    this.lastKeyMissReason = null;
    if (worker.spare) this.#c.counters.backgroundStartsUsed += 1;
    worker.spare = false;
  }

  /**
   * Make a warm worker ready: wait out a restart (the lease gets the replacing generation), cycle
   * it when idle past its limit or used up, reopen the session of a fresh generation; else retire.
   */
  async prepareWarm(worker: PoolWorker): Promise<PoolWorker> {
    try {
      await worker.handle.whenReady();
      const reason = worker.policyReason(this.#c.options.memoryMeasure, true);
      if (reason) await worker.cycle(reason);
      // A fresh generation (after a restart or cycle) needs its session opened and checked.
      if (worker.sessionGeneration !== worker.generation) await openSession(worker);
    } catch (error) {
      this.#c.table.retire(worker, 'kill');
      throw error;
    }
    return worker;
  }

  /** Start a worker of `key`: for a caller it comes back leased, in the background idle. */
  open(key: string, source: Source, purpose: StartPurpose, unknownCost: boolean): Promise<PoolWorker> {
    const { table, counters } = this.#c;
    if (purpose === 'caller') {
      const poolEmpty = table.live.size === 0;
      this.lastKeyMissReason = poolEmpty ? 'empty_pool' : 'no_matching_key';
      noteColdOpenAttempt(counters, poolEmpty, table.starts.size + 1);
    } else if (purpose === 'spare') counters.spareStarts += 1;
    else counters.backgroundReplacements += 1;
    const run = table.open(key, purpose, () => this.#openWorker(key, source, purpose), unknownCost);
    // Once the slot count no longer holds this start, serve whoever waits for it.
    run.finally(() => this.#c.changed()).catch(() => {});
    return run;
  }

  async #openWorker(key: string, source: Source, purpose: StartPurpose): Promise<PoolWorker> {
    const { gate, table } = this.#c;
    const began = performance.now();
    const worker = await this.#start(key, source);
    if (this.#c.closed()) {
      // The pool closed during the start: the worker must not outlive it.
      await table.discard(worker);
      throw makeError(ErrorCode.POOL_CLOSED, 'the pool closed while waiting');
    }
    // The open's wall time, or the handshake the supervisor measured if longer (a stub's figure).
    const handshakeMs = worker.handle.info?.spawnHandshakeMs ?? 0;
    gate.eviction.noteOpen(key, Math.max(performance.now() - began, handshakeMs));
    table.add(worker);
    // A restart makes the key's worker slow to lease: time to look at spares again.
    worker.handle.onEvent((event) => {
      if (event.type === 'restart') queueMicrotask(() => this.#c.changed());
    });
    if (purpose === 'caller') this.#c.counters.coldOpenAdmitted += 1;
    else {
      worker.state = 'idle';
      worker.spare = true;
      // The worker this one replaces leaves once idle (at once if it is idle now).
      if (purpose === 'replacement')
        for (const old of table.of(key))
          if (old.replaced && old.state === 'idle') table.retire(old, 'graceful');
    }
    return worker;
  }

  /** Start a worker for `key`, its session open; it comes back leased. */
  async #start(key: string, source: Source): Promise<PoolWorker> {
    const { options, quarantine, table } = this.#c;
    let policy: EffectivePolicy = effectivePolicy(options.policy, options.poolId, null);
    let handle: WorkerHandle | null = null;
    try {
      const resolved = await source.resolve();
      policy = effectivePolicy(options.policy, options.poolId, resolved.policy);
      handle = await this.#c.start(
        {
          launch: { ...resolved.launch, hardMemoryLimitKib: policy.hardMemoryLimitKib ?? 0 },
          restart: restartIntensity(policy),
          relay: { initialCredit: options.rowBatchCredit, maxBatchItems: 256, maxBatchBytes: 64 * 1024 },
          maxJsonDepth: options.maxJsonDepth,
          nice: options.workerNice,
          schedIdle: options.workerSchedIdle,
          ...(options.workerCpus ? { cpus: options.workerCpus } : {}),
          ...(resolved.child ? { child: resolved.child } : {}),
        },
        options,
      );
      const worker = new PoolWorker(key, resolved, policy, handle, (w) => {
        quarantine.add(w.key, w.policy.quarantineMs);
        if (w.state === 'idle') table.retire(w, 'kill');
      });
      worker.state = 'leased';
      await openSession(worker);
      worker.lastSample = await handle.sample().catch(() => null);
      if (worker.lastSample) this.#c.gate.policy.learn(key, worker.lastSample);
      return worker;
    } catch (error) {
      if (handle) await handle.shutdown('kill').catch(() => {});
      const { SupervisorStartError } = await import('../worker/supervisor-handle.js');
      if (!(error instanceof SupervisorStartError)) throw error;
      // A process that needs an init to run children at all is not the key's fault.
      const initRequired =
        error.error.code === ErrorCode.SPAWN && error.error.facts.reason === 'init_required';
      if (!initRequired) quarantine.noteFailedStart(key, restartIntensity(policy), policy.quarantineMs);
      throw error.error;
    }
  }

  /** A worker came back: retire it if replaced, or start its replacement if it is used up. */
  released(worker: PoolWorker): void {
    const { options, table, gate } = this.#c;
    if (worker.replaced) {
      // Its replacement is ready once no replacement of its key is starting.
      const starting = [...table.starts].some((s) => s.key === worker.key && s.purpose === 'replacement');
      if (!starting) table.retire(worker, 'graceful');
      return;
    }
    if (!options.replaceInBackground || !this.#nearlyUsedUp(worker)) return;
    if (table.freeSlots() <= 0 || !gate.fits(worker.key, table.held(), table.startingKeys())) return;
    worker.replaced = true;
    const source = { sessionKey: () => worker.key, resolve: async () => worker.resolved };
    this.open(worker.key, source, 'replacement', false).catch(() => {
      // It failed to start (counted toward quarantine): the old worker stays and cycles in place.
      worker.replaced = false;
    });
  }

  /**
   * Used up, or fewer requests left before its request limit than a cold open takes (at least
   * one), or past 90% of its memory ceiling.
   */
  #nearlyUsedUp(worker: PoolWorker): boolean {
    const { options } = this.#c;
    if (worker.policyReason(options.memoryMeasure) !== null) return true;
    const p = worker.policy;
    if (
      p.maxRequests !== undefined &&
      worker.stats.requestsThisGeneration >= p.maxRequests - this.#lead(worker)
    )
      return true;
    const sample = worker.lastSample;
    return (
      p.memoryCeilingKib !== undefined &&
      sample?.available === true &&
      measureOf(sample, options.memoryMeasure) >= 0.9 * p.memoryCeilingKib
    );
  }

  /** Requests before its limit at which `worker`'s replacement starts: one cold open's worth of leases. */
  #lead(worker: PoolWorker): number {
    const holdMs = this.#c.holdMs();
    if (holdMs === null || holdMs <= 0) return 1;
    return Math.max(1, Math.ceil(this.#c.gate.eviction.openMs(worker.key) / holdMs));
  }

  /**
   * Start one spare when there are fewer than `spares`: for the hottest key (asked for at least
   * twice lately) that has a live worker but none idle and ready, and no start under way, when a
   * slot is free and it fits the budget as things are.
   */
  spares(): void {
    const { options, table, gate } = this.#c;
    if (options.spares === 0 || this.#c.closed() || table.freeSlots() <= 0) return;
    let spares = 0;
    for (const s of table.starts) if (s.purpose !== 'caller') spares += 1;
    for (const w of table.live) if (w.spare && w.state === 'idle') spares += 1;
    if (spares >= options.spares) return;
    let best: PoolWorker | null = null;
    let bestFrequency = SPARE_MIN_FREQUENCY;
    const measure = options.memoryMeasure;
    const covered = new Set([...table.starts].map((s) => s.key));
    for (const w of table.live) if (w.state === 'idle' && w.usable && w.ready(measure)) covered.add(w.key);
    for (const w of table.live) {
      if (covered.has(w.key) || w.exhausted || this.#c.quarantine.refusal(w.key)) continue;
      const frequency = gate.eviction.frequency(w.key);
      if (frequency >= bestFrequency) {
        best = w;
        bestFrequency = frequency;
      }
    }
    if (!best || !gate.fits(best.key, table.held(), table.startingKeys())) return;
    const { key, resolved } = best;
    this.open(key, { sessionKey: () => key, resolve: async () => resolved }, 'spare', false).catch(() => {});
  }
}
