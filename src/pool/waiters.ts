/**
 * The admission queue: a bounded queue of waiters, each with a deadline and an AbortSignal, kept
 * in weighted-fair order across clients: each waiter gets a virtual finish tag (its client's last
 * tag, or the queue's virtual time if later, plus 1 / the client's weight), and waiters are
 * ordered by tag, so a client with many waiters cannot starve one with few. Without clients every
 * waiter shares one, and the order is first come, first served.
 *
 * `pick` prefers a waiter a warm worker can serve, then the cold open with the best expected
 * benefit, but never passes over the first waiter more than `maxBypasses` times, which bounds its
 * wait. A waiter carries what it asked for (`source`) and why it waits (`reason`, the last one
 * planned). A worker still being made ready (a cold open, a warm worker's restart or cycle) is
 * delivered to a caller who may abort meanwhile: the abort rejects at once with ABORTED, and the
 * worker, once ready, is handed back to the pool (kept warm) instead of to the caller who left.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import { BoundedMap } from './bounded-map.js';

/** What an acquire asks besides its source: how long it may queue, its signal, its client. */
export interface AcquireRequest {
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs: number;
  /** Who asks, for weighted fair queueing across clients. */
  readonly client?: string | undefined;
}

export interface Waiter<T, S, R> {
  readonly key: string;
  readonly source: S;
  readonly client: string;
  readonly signal: AbortSignal | undefined;
  readonly enqueuedAt: number;
  /** Virtual finish tag (weighted fair queueing). */
  readonly tag: number;
  bypassed: number;
  /** Why it waits, as last planned; null before it was planned. */
  reason: R | null;
  /** Since when it waits for one worker (of its key, or a busy victim); undefined while it does not. */
  lookAheadSince: number | undefined;
  readonly resolve: (value: T | Promise<T>) => void;
  readonly reject: (error: LeanWorkerError) => void;
  readonly cleanup: () => void;
}

export class WaiterQueue<T, S, R> {
  readonly #items: Waiter<T, S, R>[] = [];
  readonly #maxBypasses: number;
  readonly #weights: Readonly<Record<string, number>>;
  /** Each client's last finish tag. */
  readonly #lastTag = new BoundedMap<string, number>();
  /** Virtual time: the tag of the last waiter served. */
  #virtual = 0;

  constructor(maxBypasses: number, weights: Readonly<Record<string, number>> = {}) {
    this.#maxBypasses = maxBypasses;
    this.#weights = weights;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The waiters in service order. */
  get items(): readonly Waiter<T, S, R>[] {
    return this.#items;
  }

  /** The keys waiters ask for. */
  keys(): Set<string> {
    return new Set(this.#items.map((w) => w.key));
  }

  /** Waiters of `key`. */
  waitingFor(key: string): number {
    return this.#items.filter((w) => w.key === key).length;
  }

  /** Add a waiter of `client`; `timeoutMs` 0 means no deadline; the signal aborts it. */
  add(
    item: Pick<Waiter<T, S, R>, 'key' | 'source' | 'client' | 'reason' | 'lookAheadSince'>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onTimeout: (waiter: Waiter<T, S, R>) => LeanWorkerError,
  ): Promise<T> {
    const start = Math.max(this.#virtual, this.#lastTag.get(item.client) ?? 0);
    const tag = start + 1 / (this.#weights[item.client] ?? 1);
    this.#lastTag.set(item.client, tag);
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.remove(waiter);
              reject(onTimeout(waiter));
            }, timeoutMs)
          : null;
      const onAbort = () => {
        this.remove(waiter);
        reject(
          makeError(ErrorCode.ABORTED, 'acquire aborted while queued', {
            facts: { reason: 'queued', waitedMs: performance.now() - waiter.enqueuedAt },
            cause: signal?.reason,
          }),
        );
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiter: Waiter<T, S, R> = {
        ...item,
        signal,
        enqueuedAt: performance.now(),
        tag,
        bypassed: 0,
        resolve,
        reject,
        cleanup: () => {
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      // After the last waiter with a tag not above its own: ties stay first come, first served.
      this.#items.splice(this.#items.findLastIndex((w) => w.tag <= tag) + 1, 0, waiter);
    });
  }

  remove(waiter: Waiter<T, S, R>): void {
    const at = this.#items.indexOf(waiter);
    if (at >= 0) this.#items.splice(at, 1);
    waiter.cleanup();
  }

  /**
   * The next waiter to serve, left in the queue: the first that `choose` says a warm worker
   * serves, else the start with the highest `benefit` (the first of equals), else null. Only the
   * first waiter is a candidate once it has been bypassed `maxBypasses` times. `choose` sees every
   * waiter (so each has a reason), in order.
   */
  pick(
    choose: (waiter: Waiter<T, S, R>) => 'warm' | 'start' | 'wait',
    benefit: (waiter: Waiter<T, S, R>) => number,
  ): Waiter<T, S, R> | null {
    const first = this.#items[0];
    if (!first) return null;
    const onlyFirst = first.bypassed >= this.#maxBypasses;
    let start: Waiter<T, S, R> | null = null;
    let best = Number.NEGATIVE_INFINITY;
    for (const w of [...this.#items]) {
      const choice = choose(w);
      if (onlyFirst && w !== first) continue;
      if (choice === 'warm') return w;
      if (choice !== 'start') continue;
      const b = benefit(w);
      if (b > best) {
        best = b;
        start = w;
      }
    }
    return start;
  }

  /** Take `chosen` out of the queue to serve it; the waiters ahead of it count a bypass. */
  take(chosen: Waiter<T, S, R>): void {
    for (const w of this.#items) {
      if (w === chosen) break;
      w.bypassed += 1;
    }
    this.#virtual = Math.max(this.#virtual, chosen.tag);
    this.remove(chosen);
  }

  /** Reject every waiter (pool closing). */
  rejectAll(error: () => LeanWorkerError): void {
    for (const w of this.#items.splice(0)) {
      w.cleanup();
      w.reject(error());
    }
  }
}

/** One timer that calls `wake` at the earliest time asked for (unref'd: it keeps nothing alive). */
export class Wakeup {
  readonly #wake: () => void;
  #timer: { handle: NodeJS.Timeout; at: number } | null = null;

  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /** Call `wake` at `at` (a `performance.now()` time), unless an earlier call is already set. */
  at(at: number): void {
    if (this.#timer && this.#timer.at <= at) return;
    this.cancel();
    const handle = setTimeout(
      () => {
        this.#timer = null;
        this.#wake();
      },
      Math.max(1, at - performance.now()),
    );
    handle.unref();
    this.#timer = { handle, at };
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer.handle);
    this.#timer = null;
  }
}

/** `ready`, or ABORTED at once when `signal` aborts first (then `handBack` gets the value). */
export function deliver<T>(
  ready: Promise<T>,
  signal: AbortSignal | undefined,
  handBack: (value: T) => void,
): Promise<T> {
  if (!signal) return ready;
  return new Promise<T>((resolve, reject) => {
    const began = performance.now();
    let left = false;
    const abort = () => {
      left = true;
      reject(
        makeError(ErrorCode.ABORTED, 'acquire aborted while its worker was being made ready', {
          facts: { reason: 'starting', waitedMs: performance.now() - began },
          cause: signal.reason,
        }),
      );
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    ready.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        if (left) handBack(value);
        else resolve(value);
      },
      (error: LeanWorkerError) => {
        signal.removeEventListener('abort', abort);
        if (!left) reject(error);
      },
    );
  });
}
