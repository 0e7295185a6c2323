/**
 * The admission queue: a bounded FIFO of waiters, each with a deadline and an AbortSignal.
 * `pick` prefers a waiter that a warm worker can serve, but never passes over the oldest waiter
 * more than `maxBypasses` times, which bounds its wait. A waiter carries what it asked for
 * (`source`), so the queue holds no per-key state of its own. A worker still being made ready
 * (a cold open, a warm worker's restart or cycle) is delivered to a caller who may abort
 * meanwhile: the abort rejects at once with ABORTED, and the worker, once ready, is handed back
 * to the pool (kept warm) instead of to the caller who left.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';

export interface Waiter<T, S> {
  readonly key: string;
  readonly source: S;
  readonly signal: AbortSignal | undefined;
  readonly enqueuedAt: number;
  bypassed: number;
  readonly resolve: (value: T | Promise<T>) => void;
  readonly reject: (error: LeanWorkerError) => void;
  cleanup: () => void;
}

export class WaiterQueue<T, S> {
  readonly #items: Waiter<T, S>[] = [];
  readonly #maxBypasses: number;

  constructor(maxBypasses: number) {
    this.#maxBypasses = maxBypasses;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Add a waiter; `timeoutMs` 0 means no deadline; the signal aborts it. */
  add(
    key: string,
    source: S,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onTimeout: (waitedMs: number) => LeanWorkerError,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T, S> = {
        key,
        source,
        signal,
        enqueuedAt: performance.now(),
        bypassed: 0,
        resolve,
        reject,
        cleanup: () => {},
      };
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.remove(waiter);
              reject(onTimeout(performance.now() - waiter.enqueuedAt));
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
      waiter.cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#items.push(waiter);
    });
  }

  remove(waiter: Waiter<T, S>): void {
    const at = this.#items.indexOf(waiter);
    if (at >= 0) this.#items.splice(at, 1);
    waiter.cleanup();
  }

  /**
   * The next waiter to serve, left in the queue: the first for which `warm` holds, else the first
   * for which `possible` holds; only the oldest once it has been bypassed `maxBypasses` times.
   */
  pick(warm: (key: string) => boolean, possible: (key: string) => boolean): Waiter<T, S> | null {
    const oldest = this.#items[0];
    if (!oldest) return null;
    const candidates = oldest.bypassed >= this.#maxBypasses ? [oldest] : this.#items;
    return candidates.find((w) => warm(w.key)) ?? candidates.find((w) => possible(w.key)) ?? null;
  }

  /** Take `chosen` out of the queue to serve it; the waiters ahead of it count a bypass. */
  take(chosen: Waiter<T, S>): void {
    for (const w of this.#items) {
      if (w === chosen) break;
      w.bypassed += 1;
    }
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
