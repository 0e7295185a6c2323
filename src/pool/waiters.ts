/**
 * The admission queue: a bounded FIFO of waiters, each with a deadline and an AbortSignal.
 * `pick` prefers a waiter that a warm worker can serve, but never passes over the oldest waiter
 * more than `maxBypasses` times, which bounds its wait.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';

export interface Waiter<T> {
  readonly key: string;
  readonly enqueuedAt: number;
  bypassed: number;
  readonly resolve: (value: T) => void;
  readonly reject: (error: LeanWorkerError) => void;
  cleanup: () => void;
}

export class WaiterQueue<T> {
  readonly #items: Waiter<T>[] = [];
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
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onTimeout: (waitedMs: number) => LeanWorkerError,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        key,
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

  remove(waiter: Waiter<T>): void {
    const at = this.#items.indexOf(waiter);
    if (at >= 0) this.#items.splice(at, 1);
    waiter.cleanup();
  }

  /**
   * Choose the next waiter to serve: the first for which `warm` holds, else the first for which
   * `possible` holds; only the oldest once it has been bypassed `maxBypasses` times.
   */
  pick(warm: (key: string) => boolean, possible: (key: string) => boolean): Waiter<T> | null {
    const oldest = this.#items[0];
    if (!oldest) return null;
    const candidates = oldest.bypassed >= this.#maxBypasses ? [oldest] : this.#items;
    const chosen = candidates.find((w) => warm(w.key)) ?? candidates.find((w) => possible(w.key)) ?? null;
    if (!chosen) return null;
    for (const w of this.#items) {
      if (w === chosen) break;
      w.bypassed += 1;
    }
    this.remove(chosen);
    return chosen;
  }

  /** Reject every waiter (pool closing). */
  rejectAll(error: () => LeanWorkerError): void {
    for (const w of this.#items.splice(0)) {
      w.cleanup();
      w.reject(error());
    }
  }
}
