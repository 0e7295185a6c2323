/**
 * What serving one session key takes now, decided without side effects: a warm worker, a cold
 * open, idle workers to evict first, a refusal, or a wait and why. The rules:
 *
 * - A warm worker of the key goes first (one ready at once before one that must restart).
 * - Look-ahead: when a worker of the key is busy or starting, waiting for it is expected to cost
 *   the lease hold times of the callers ahead (and what is left of a start), a cold open its
 *   learned open time; the caller waits for the worker when that is cheaper, and never longer
 *   than the open would have taken, counted from when it began waiting for that worker. A spare
 *   or replacement of the key starting is always waited for.
 * - Hard budget: a cold open must fit beside every live worker, every retired worker whose child
 *   is not reaped yet, and every start under way at its predicted cost. Evicted workers' memory
 *   counts until their children are reaped, so an eviction never overlaps the start it makes
 *   room for.
 * - A key whose cost is unknown (nothing learned, no estimate) does not start beside another such
 *   start while memory is tight (a pool budget, a cgroup limit, or little system headroom): the
 *   first one teaches the pool what a worker costs.
 * - With `maxEvictingStarts`, a start that must evict waits while that many cold opens for
 *   callers are under way, so the workers they bring are candidates before the next victim.
 */
import type { MemoryGate } from './memory-gate.js';
import type { Waiter, WaiterQueue } from './waiters.js';
import type { PoolWorker } from './worker.js';
import type { WorkerTable } from './worker-table.js';

/** Why an acquire is waiting (in QUEUE_TIMEOUT facts and `admission-refused` events). */
export type WaitReason =
  /** Every `maxWorkers` slot is taken by a busy worker. */
  | 'workers'
  /** The memory budget or the system reserve has no room for its predicted cost. */
  | 'memory'
  /** Evicted workers are exiting; their slots and memory are free once their children are reaped. */
  | 'reaping'
  /** A worker of its key is busy or starting, expected to be free sooner than a cold open. */
  | 'same_key'
  /** A spare or replacement worker of its key is starting. */
  | 'spare_starting'
  /** Its key's cost is unknown and another start of unknown cost is under way. */
  | 'unknown_cost'
  /** Its start would evict, and `maxEvictingStarts` cold opens for callers are under way. */
  | 'evicting_start'
  /** Its start would evict a busy worker worth less than every idle one: it waits for its release. */
  | 'busy_victim';

export type Plan =
  | { readonly kind: 'warm'; readonly worker: PoolWorker }
  | { readonly kind: 'cold'; readonly unknownCost: boolean }
  /** Evict these, then wait for their children to be reaped. */
  | { readonly kind: 'evict'; readonly victims: PoolWorker[] }
  /** Wait; `until` (a `performance.now()` time) is when to look again without an event. */
  | { readonly kind: 'wait'; readonly reason: WaitReason; readonly until?: number }
  | { readonly kind: 'refuse' };

/** Waits for one particular worker, bounded from when they began (`PlanRequest.since`). */
export function boundedFromStart(reason: WaitReason): boolean {
  return reason === 'same_key' || reason === 'busy_victim';
}

/** Mean time a lease is held (exponentially weighted), learned from releases. */
export class HoldTimes {
  meanMs: number | null = null;

  note(ms: number): void {
    this.meanMs = this.meanMs === null ? ms : this.meanMs + (ms - this.meanMs) / 16;
  }
}

/** What planning one acquire needs to know about the acquire itself. */
export interface PlanRequest {
  readonly key: string;
  /** Whether it may wait at all (`timeoutMs` > 0). */
  readonly mayWait: boolean;
  /** Callers of the same key served before it, itself included. */
  readonly sameKeyAhead: number;
  /** When it began waiting for one worker (of its key, or a busy victim), or now (`performance.now()`). */
  readonly since: number;
  /** Keys queued waiters ask for: their idle workers are evicted last. */
  readonly wanted: ReadonlySet<string>;
}

/** The plan for `r` on the pool as it stands. */
export function planFor(r: PlanRequest, table: WorkerTable, gate: MemoryGate, holds: HoldTimes): Plan {
  const warm = table.warm(r.key);
  const spareStarting = [...table.starts].some((s) => s.key === r.key && s.purpose !== 'caller');
  // A worker that must restart or cycle first is slower than a spare already starting.
  if (warm && r.mayWait && spareStarting && !warm.ready(gate.options.memoryMeasure))
    return { kind: 'wait', reason: 'spare_starting' };
  if (warm) return { kind: 'warm', worker: warm };
  if (gate.overBudgetAlone(r.key)) return { kind: 'refuse' };
  if (r.mayWait) {
    const ahead = lookAhead(r, table, gate, holds);
    if (ahead) return ahead;
  }
  const unknownCost = gate.policy.known(r.key) === null;
  if (unknownCost && gate.tight && [...table.starts].some((s) => s.unknownCost))
    return { kind: 'wait', reason: 'unknown_cost' };
  const starting = table.startingKeys();
  const slotFree = table.freeSlots() > 0;
  if (slotFree && gate.fits(r.key, table.held(), starting)) return { kind: 'cold', unknownCost };
  const exiting = table.exiting.size > 0;
  const candidates = evictable(table, gate, r.wanted);
  const victims = gate.evictionsFor(r.key, table.live, candidates, starting);
  if (victims === null) {
    // Nothing idle to evict makes room: busy workers must finish first, or it never fits.
    if (table.settled) return { kind: 'refuse' };
    return { kind: 'wait', reason: slotFree ? 'memory' : 'workers' };
  }
  const evict = (chosen: PoolWorker[]): Plan =>
    r.mayWait && evictingStartsFull(table, gate)
      ? { kind: 'wait', reason: 'evicting_start' }
      : { kind: 'evict', victims: chosen };
  const evictOrWait = (chosen: PoolWorker[]): Plan =>
    (r.mayWait && busyVictim(r, table, gate, holds, chosen)) || evict(chosen);
  if (victims.length > 0) return evictOrWait(victims);
  // It fits once the exiting children are reaped, or once a slot is free.
  if (exiting) return { kind: 'wait', reason: 'reaping' };
  const idle = candidates[0];
  if (idle) return evictOrWait([idle]);
  return { kind: 'wait', reason: 'workers' };
}

/**
 * Whether `maxEvictingStarts` cold opens for callers are under way (never with no limit); a
 * worker still exiting counts as one, since the start it makes room for has not begun yet.
 */
function evictingStartsFull(table: WorkerTable, gate: MemoryGate): boolean {
  const limit = gate.options.maxEvictingStarts;
  if (limit === 0) return false;
  let starts = table.exiting.size;
  for (const s of table.starts) if (s.purpose === 'caller') starts += 1;
  return starts >= limit;
}

/**
 * The idle workers that may be evicted: those whose key has another usable worker first (a spare
 * goes before the last worker of a key), those a queued waiter asks for last, each group in the
 * eviction policy's order.
 */
function evictable(table: WorkerTable, gate: MemoryGate, wanted: ReadonlySet<string>): PoolWorker[] {
  const idle = table.idle();
  if (idle.length === 0) return idle;
  const count = usableByKey(table);
  const spares: PoolWorker[] = [];
  const rest: PoolWorker[] = [];
  const wantedLast: PoolWorker[] = [];
  for (const w of gate.eviction.order(idle)) {
    if ((count.get(w.key) ?? 0) > 1) spares.push(w);
    else if (wanted.has(w.key)) wantedLast.push(w);
    else rest.push(w);
  }
  return spares.concat(rest, wantedLast);
}

/** Usable live workers per key. */
function usableByKey(table: WorkerTable): Map<string, number> {
  const count = new Map<string, number>();
  for (const w of table.live) if (w.usable) count.set(w.key, (count.get(w.key) ?? 0) + 1);
  return count;
}

/**
 * Under the `cost` policy, wait for a busy worker to be released when the policy ranks it below
 * the idle victim the start would otherwise take (the last usable worker of its key, not asked
 * for by a waiter), for at most two mean lease holds and never longer than an open; only while a
 * hold is under half an open. Without it, with many callers, the victim is whichever worker
 * happens to be idle, often the hottest key's.
 */
function busyVictim(
  r: PlanRequest,
  table: WorkerTable,
  gate: MemoryGate,
  holds: HoldTimes,
  victims: readonly PoolWorker[],
): Plan | null {
  const holdMs = holds.meanMs;
  const [victim] = victims;
  if (gate.eviction.name !== 'cost' || holdMs === null || victims.length !== 1 || !victim) return null;
  const openMs = gate.eviction.openMs(r.key);
  const until = r.since + Math.min(openMs, 2 * holdMs);
  if (holdMs * 2 > openMs || performance.now() >= until) return null;
  const usable = usableByKey(table);
  if ((usable.get(victim.key) ?? 0) > 1) return null;
  const busy = [...table.live].filter(
    (w) => w.state === 'leased' && w.usable && !r.wanted.has(w.key) && (usable.get(w.key) ?? 0) === 1,
  );
  if (busy.length === 0) return null;
  const first = gate.eviction.order([...busy, victim])[0];
  if (!first || first === victim) return null;
  const starting = table.startingKeys();
  if (gate.evictionsFor(r.key, table.live, [first], starting) === null) return null;
  return { kind: 'wait', reason: 'busy_victim', until };
}

/**
 * Wait for a worker of the key already there or on its way, when that is expected to be quicker
 * than a cold open; null to go on planning a start.
 */
function lookAhead(r: PlanRequest, table: WorkerTable, gate: MemoryGate, holds: HoldTimes): Plan | null {
  const now = performance.now();
  let spare = false;
  let startsLeftMs = Number.POSITIVE_INFINITY;
  let workers = 0;
  for (const s of table.starts) {
    if (s.key !== r.key) continue;
    workers += 1;
    if (s.purpose !== 'caller') spare = true;
    startsLeftMs = Math.min(startsLeftMs, Math.max(0, gate.eviction.openMs(r.key) - (now - s.since)));
  }
  if (spare) return { kind: 'wait', reason: 'spare_starting' };
  for (const w of table.of(r.key)) if (w.usable) workers += 1;
  const holdMs = holds.meanMs;
  if (workers === 0 || holdMs === null) return null;
  const openMs = gate.eviction.openMs(r.key);
  const expectedMs = (Number.isFinite(startsLeftMs) ? startsLeftMs : 0) + (r.sameKeyAhead * holdMs) / workers;
  const until = r.since + openMs;
  if (expectedMs >= openMs || now >= until) return null;
  return { kind: 'wait', reason: 'same_key', until };
}

/** The next waiter to serve, with its plan; `until` is when a waiting plan wants another look. */
export interface NextToServe<T, S> {
  readonly chosen: Waiter<T, S, WaitReason> | null;
  readonly plan: Plan | null;
  readonly until: number;
}

/**
 * Plan every waiter in the queue's order (each waiting one keeps its reason) and pick the next:
 * warm first, then the start that serves most waiters (one import serves every waiter of its
 * key), a refusal at once; the queue applies the bypass bound.
 */
export function nextToServe<T, S>(
  queue: WaiterQueue<T, S, WaitReason>,
  plan: (key: string, sameKeyAhead: number, since: number) => Plan,
): NextToServe<T, S> {
  const plans = new Map<Waiter<T, S, WaitReason>, Plan>();
  const total = new Map<string, number>();
  for (const w of queue.items) total.set(w.key, (total.get(w.key) ?? 0) + 1);
  const ahead = new Map<string, number>();
  let until = Number.POSITIVE_INFINITY;
  const chosen = queue.pick(
    (w) => {
      const n = (ahead.get(w.key) ?? 0) + 1;
      ahead.set(w.key, n);
      // A wait for one worker is bounded from when it began: a waiter that queued for a slot
      // first still waits for a start of its key under way.
      const since = w.lookAheadSince ?? performance.now();
      const p = plan(w.key, n, since);
      w.lookAheadSince = p.kind === 'wait' && boundedFromStart(p.reason) ? since : undefined;
      plans.set(w, p);
      if (p.kind === 'warm') return 'warm';
      if (p.kind !== 'wait') return 'start';
      w.reason = p.reason;
      if (p.until !== undefined) until = Math.min(until, p.until);
      return 'wait';
    },
    (w) => (plans.get(w)?.kind === 'refuse' ? Number.POSITIVE_INFINITY : (total.get(w.key) ?? 1)),
  );
  return { chosen, plan: chosen ? (plans.get(chosen) ?? null) : null, until };
}
