/**
 * What a driver is to the supervisor core: the protocol-specific half of a supervisor. A driver
 * starts one generation of its child kind (spawn plus whatever makes it ready: the v10 handshake,
 * or the repl's header import), reads the child's stdout, and turns one request into exactly one
 * terminal outcome. The core keeps everything else: generations, restarts, deadlines,
 * cancellation, kill and reap, memory. The core hands a generation any request; each refuses the
 * other kind's (`wrongKind`): INVALID_ARGUMENT, nothing sent.
 */
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type {
  OutcomeResponse,
  RequestOutcome,
  RequestStats,
  StreamSummaryData,
} from '../src/protocol/port-messages.js';
import type { AnySupervisorRequest } from '../src/protocol/thread-contract.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';
import { wireError } from './outcome.js';
import type { RowRelay } from './relay.js';

export type { AnySupervisorRequest };

/** A request on the wire: exactly one terminal outcome, which also ends its relay. */
export abstract class RunningRequest<Spec extends AnySupervisorRequest = AnySupervisorRequest> {
  readonly startedAt = performance.now();
  readonly done: Promise<RequestOutcome>;
  #resolve!: (outcome: RequestOutcome) => void;
  #finished = false;
  /** The counted part of the request's stats. */
  protected readonly counts = {
    rowsDelivered: 0,
    payloadBytes: 0,
    diagnostics: 0,
    progressTicks: 0,
    sessionReopened: false,
  };

  constructor(
    readonly spec: Spec,
    readonly relay: RowRelay | null,
    protected readonly link: GenerationLink,
  ) {
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  get operation(): string {
    return this.spec.request.op;
  }

  /** Finish with a failure (timeout, abort, exit, protocol, memory). */
  fail(error: WireError, details: { restarted: boolean; workEnteredChild: boolean }): void {
    this.#finish({ ok: false, generation: this.link.generation(), error, ...details, stats: this.#stats() });
  }

  /** Finish with the terminal `response` and what was read from it. */
  protected succeed(
    response: OutcomeResponse,
    answer: { summary?: StreamSummaryData; value?: unknown },
  ): void {
    const { summary, value } = answer;
    this.#finish({
      ok: true,
      generation: this.link.generation(),
      response,
      ...(summary ? { summary } : {}),
      ...(value !== undefined ? { value } : {}),
      stats: this.#stats(),
    });
  }

  /** A literal, not a spread of `counts`: the spread cost the supervisor thread microseconds a request. */
  #stats(): RequestStats {
    const { rowsDelivered, payloadBytes, diagnostics, progressTicks, sessionReopened } = this.counts;
    const backpressureWaits = this.relay?.waits ?? 0;
    const elapsedMs = performance.now() - this.startedAt;
    return {
      rowsDelivered,
      payloadBytes,
      diagnostics,
      progressTicks,
      backpressureWaits,
      elapsedMs,
      sessionReopened,
    };
  }

  #finish(outcome: RequestOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.relay?.end(outcome);
    this.#resolve(outcome);
  }
}

/** The refusal of a request of the other child kind: nothing is sent. */
export function wrongKind(spec: AnySupervisorRequest, kind: string): WireError {
  const op = spec.request.op;
  return wireError(ErrorCode.INVALID_ARGUMENT, `${op} needs a ${kind} worker`, { operation: op });
}

/** Abandon the child of `link` for a PROTOCOL violation. */
export function protocolViolation(
  link: GenerationLink,
  message: string,
  facts: Record<string, unknown>,
): void {
  link.abandon(wireError(ErrorCode.PROTOCOL, message, facts));
}

/** What a generation may ask of the core while it runs. */
export interface GenerationLink {
  /** Whether this generation is still the supervisor's current one. */
  isCurrent(): boolean;
  /** The supervisor's generation number now (outcomes report it). */
  generation(): number;
  /** The request in flight, if any. */
  active(): RunningRequest | null;
  /** Output arrived from the child (keeps the idle deadline alive). */
  outputSeen(): void;
  /**
   * Restart the deadlines of the request in flight for its next phase: the session reopen it
   * sends runs under the import deadline, the retried command under its own again.
   */
  rearm(deadline: Deadline): void;
  /** The child broke its protocol or must die: kill, reap, fail the request in flight, restart. */
  abandon(error: WireError): void;
}

/** The deadlines of one phase of a request in flight (0: the worker's default). */
export interface Deadline {
  readonly operation: string;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** One started child of a driver. */
export interface DriverGeneration {
  readonly child: ChildHandle;
  readonly workerVersion: string;
  readonly protocolVersion: number;
  /** Spawn to ready (handshake, or header import for the repl). */
  readonly spawnHandshakeMs: number;
  /** Start reading the child's stdout on behalf of `link`. */
  attach(link: GenerationLink): void;
  /**
   * Check `spec` (of this child kind, see `wrongKind`), then (through `relay()`, called only once
   * the request is accepted) send it. A `WireError` means nothing reached the child.
   */
  begin(
    spec: AnySupervisorRequest,
    relay: () => RowRelay | null,
    link: GenerationLink,
  ): RunningRequest | WireError;
  /** Ask the child to exit by itself (graceful stop); called only while its stdin is open. */
  askToExit(): void;
}

/** Starts a generation of one child kind: spawn and make ready, or throw `StartFailure` with the child killed and reaped. */
export type ChildDriver = (launch: WorkerLaunchSpec) => Promise<DriverGeneration>;
