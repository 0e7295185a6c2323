/**
 * The supervisor's availability and its restarts: the state requests are gated on and why it is
 * unavailable, the restart intensity limit, the backoff before a restart, the restart under way
 * (requests and cycles wait for it) and what a failed or refused restart leaves behind. Spawning
 * the next generation is the caller's. Also what a supervisor answers before a request reaches the
 * child: the refusal outcome (nothing was sent), a stale generation, and the bookkeeping of
 * cancellations that arrive before their request was sent.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { failedOutcome, type RequestOutcome, type SupervisorEvent } from '../src/protocol/port-messages.js';
import type { RestartIntensityOptions } from '../src/protocol/thread-contract.js';
import { StartFailure } from './generation.js';
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

export class Restarts {
  state: SupervisorState = 'new';
  readonly intensity: RestartIntensity;
  readonly #emit: (event: SupervisorEvent) => void;
  /** The current generation number. */
  readonly #generation: () => number;
  /** Start the next generation. */
  readonly #spawn: (reason: string) => Promise<unknown>;
  #lastError: WireError | null = null;
  #ready: Promise<void> | null = null;

  constructor(
    options: RestartIntensityOptions,
    emit: (event: SupervisorEvent) => void,
    generation: () => number,
    spawn: (reason: string) => Promise<unknown>,
  ) {
    this.intensity = new RestartIntensity(options);
    this.#emit = emit;
    this.#generation = generation;
    this.#spawn = spawn;
  }

  /** The restart under way, if any; it settles (never rejects) when the restart ended. */
  get ready(): Promise<void> | null {
    return this.#ready;
  }

  /** Whether a shutdown began: no restart starts any more. */
  get stopping(): boolean {
    return this.state === 'stopping' || this.state === 'closed';
  }

  /** Why a request or cycle cannot run now, or null. */
  unavailable(): WireError | null {
    const lastError = this.#lastError;
    if (this.stopping) return wireError(ErrorCode.POOL_CLOSED, 'worker is shut down');
    if (this.state === 'exhausted')
      return lastError ?? wireError(ErrorCode.RESTART_LIMIT, 'restart limit reached');
    if (this.state !== 'dead') return null;
    const facts = lastError ? { lastError } : {};
    return wireError(ErrorCode.WORKER_UNAVAILABLE, 'worker child is not running', facts);
  }

  /**
   * Start the next generation (after a backoff); false when the restart limit refused it. A
   * planned cycle (policy or explicit) is not a failure: it neither counts toward the restart
   * intensity nor waits for a backoff.
   */
  respawn(reason: string, planned = false): boolean {
    if (this.stopping) return false;
    const delay = planned ? 0 : this.intensity.admit();
    if (delay === null) {
      const { maxRestarts: restarts, windowMs } = this.intensity.options;
      this.state = 'exhausted';
      const message = `${restarts} restarts within ${windowMs} ms`;
      this.#lastError = wireError(ErrorCode.RESTART_LIMIT, message, {
        restarts,
        windowMs,
        lastReason: reason,
      });
      this.#emit({ type: 'restart_limit', restarts, windowMs });
      return false;
    }
    this.state = 'restarting';
    this.#emit({ type: 'restart', generation: this.#generation() + 1, reason, delayMs: delay });
    this.#ready = (async () => {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      try {
        await this.#spawn(reason);
      } catch (error) {
        const wire = error instanceof StartFailure ? error.wire : wireError(ErrorCode.SPAWN, String(error));
        if (this.stopping) return;
        this.#lastError = wire;
        this.state = 'dead';
        this.#emit({ type: 'restart_failed', generation: this.#generation() + 1, error: wire });
      } finally {
        this.#ready = null;
      }
    })();
    return true;
  }
}

/** The restart intensity limit and backoff: restarts are counted since the last success. */
export class RestartIntensity {
  #instants: number[] = [];

  constructor(readonly options: RestartIntensityOptions) {}

  /** A request succeeded: the restarts before it were not a loop and stop counting. */
  succeeded(): void {
    this.#instants = [];
  }

  /**
   * Admit one restart: returns the delay to wait before it, or null when the limit is reached.
   * The first restart in a window starts at once.
   */
  admit(now: number = performance.now()): number | null {
    const { maxRestarts, windowMs, backoffBaseMs, backoffMaxMs } = this.options;
    this.#instants = this.#instants.filter((t) => t > now - windowMs);
    const recent = this.#instants.length;
    if (recent >= maxRestarts) return null;
    this.#instants.push(now);
    if (recent === 0 || backoffBaseMs === 0) return 0;
    return Math.min(backoffMaxMs, backoffBaseMs * 2 ** (recent - 1));
  }
}

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
