/**
 * What a supervisor answers before a request reaches the child: the refusal outcome (nothing was
 * sent), a stale generation, and the bookkeeping of cancellations that arrive before their
 * request was sent.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { failedOutcome, type RequestOutcome } from '../src/protocol/port-messages.js';
import { wireError } from './outcome.js';

/** The outcome of a request refused untouched; posted on its row port (then closed) when it has one. */
export function refusal(generation: number, error: WireError, port: MessagePort | null): RequestOutcome {
  const outcome = failedOutcome(generation, error, false);
  if (port) {
    port.postMessage({ type: 'end', outcome });
    port.close();
  }
  return outcome;
}

/** A request bound to a generation that is no longer running. */
export function staleGeneration(granted: number, current: number): WireError {
  return wireError(ErrorCode.LEASE_INVALIDATED, `worker generation changed from ${granted} to ${current}`, {
    grantedGeneration: granted,
    currentGeneration: current,
  });
}

/** Requests waiting to be sent, and cancellations that arrived before their request was sent. */
export class CancelBook {
  readonly #waiting = new Set<number>();
  readonly #cancelled = new Set<number>();
  /** Highest request id that reached its outcome; a cancel at or below it arrived too late. */
  #lastFinishedId = Number.NEGATIVE_INFINITY;

  wait(id: number): void {
    this.#waiting.add(id);
  }

  /** The request stopped waiting; true when it was cancelled meanwhile (it is then finished). */
  stopWaiting(id: number): boolean {
    this.#waiting.delete(id);
    if (!this.#cancelled.delete(id)) return false;
    this.finished(id);
    return true;
  }

  /** Remember a cancel of a request not in flight, unless it already finished. */
  cancel(id: number): void {
    if (this.#waiting.has(id) || id > this.#lastFinishedId) this.#cancelled.add(id);
  }

  /** Forget cancellations that can no longer match a request (ids only grow). */
  finished(id: number): void {
    if (id <= this.#lastFinishedId) return;
    this.#lastFinishedId = id;
    for (const cancelled of this.#cancelled) if (cancelled <= id) this.#cancelled.delete(cancelled);
  }
}
