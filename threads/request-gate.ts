/**
 * What a supervisor answers before a request reaches the child: the refusal outcome (nothing was
 * sent), the error each unusable state means, and the bookkeeping of cancellations that arrive
 * before their request was sent.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { emptyRequestStats, type RequestOutcome } from '../src/protocol/port-messages.js';
import { wireError } from './outcome.js';

export type SupervisorState =
  | 'new'
  | 'starting'
  | 'ready'
  | 'busy'
  | 'restarting'
  | 'dead'
  | 'exhausted'
  | 'stopping'
  | 'closed';

/** The outcome of a request refused untouched; posted on its row port (then closed) when it has one. */
export function refusal(generation: number, error: WireError, port: MessagePort | null): RequestOutcome {
  const outcome: RequestOutcome = {
    ok: false,
    generation,
    error,
    workEnteredChild: false,
    restarted: false,
    stats: emptyRequestStats(),
  };
  if (port) {
    port.postMessage({ type: 'end', outcome });
    port.close();
  }
  return outcome;
}

/** The error a request meets in `state`, or null when the worker can take it. */
export function unavailableError(state: SupervisorState, lastError: WireError | null): WireError | null {
  switch (state) {
    case 'exhausted':
      return lastError ?? wireError(ErrorCode.RESTART_LIMIT, 'restart limit reached');
    case 'dead':
      return wireError(ErrorCode.WORKER_UNAVAILABLE, 'worker child is not running', {
        ...(lastError ? { lastError } : {}),
      });
    case 'stopping':
    case 'closed':
      return wireError(ErrorCode.POOL_CLOSED, 'worker is shut down');
    default:
      return null;
  }
}

/** A request bound to a generation that is no longer running. */
export function staleGeneration(granted: number, current: number): WireError {
  return wireError(ErrorCode.LEASE_INVALIDATED, `worker generation changed from ${granted} to ${current}`, {
    grantedGeneration: granted,
    currentGeneration: current,
  });
}

/** Restarts passed the intensity limit: the worker fails fast from now on. */
export function restartLimitError(restarts: number, windowMs: number, lastReason: string): WireError {
  return wireError(ErrorCode.RESTART_LIMIT, `${restarts} restarts within ${windowMs} ms`, {
    restarts,
    windowMs,
    lastReason,
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
