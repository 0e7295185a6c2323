/**
 * What a driver is to the supervisor core: the interfaces between the core and the
 * protocol-specific half of a supervisor (one generation of a child kind, one running request),
 * and two helpers both sides use. The drivers import these; the core picks a driver through
 * `driver.ts`.
 */
import type { WireError } from '../src/protocol/error-codes.js';
import type { GenerationInfo, RequestOutcome } from '../src/protocol/port-messages.js';
import type { AnySupervisorRequest } from '../src/protocol/thread-contract.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';
import type { RowRelay } from './relay.js';

export type { AnySupervisorRequest };

/** A request on the wire, as the core sees it. */
export interface RunningRequest {
  readonly id: number;
  readonly spec: { readonly request: { readonly op: string } };
  readonly finished: boolean;
  readonly operation: string;
  readonly done: Promise<RequestOutcome>;
  /** Finish with a failure (timeout, abort, exit, protocol, memory). */
  fail(error: WireError, details: { restarted: boolean; workEnteredChild: boolean }): void;
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
  abandon(error: WireError, reason: string): void;
}

/** The deadlines of one phase of a request in flight (0: the worker's default). */
export interface Deadline {
  readonly operation: string;
  readonly timeoutMs: number;
  readonly idleTimeoutMs: number;
}

/** One started child of a driver, taking requests of type `Req`. */
export interface DriverGeneration<Req extends AnySupervisorRequest = AnySupervisorRequest> {
  readonly child: ChildHandle;
  readonly workerVersion: string;
  readonly protocolVersion: number;
  /** Spawn to ready (handshake, or header import for the repl). */
  readonly spawnHandshakeMs: number;
  /** Start reading the child's stdout on behalf of `link`. */
  attach(link: GenerationLink): void;
  /**
   * Check `spec`, then (through `relay()`, called only once the request is accepted) send it.
   * A `WireError` means nothing reached the child.
   */
  begin(spec: Req, relay: () => RowRelay | null, link: GenerationLink): RunningRequest | WireError;
  /** Ask the child to exit by itself (graceful stop); false when the ask could not be written. */
  askToExit(): boolean;
}

/** Starts generations of one child kind, whose requests are `Req`s. */
export interface ChildDriver<Req extends AnySupervisorRequest = AnySupervisorRequest> {
  /** Spawn and make ready, or throw `StartFailure` with the child killed and reaped. */
  start(launch: WorkerLaunchSpec): Promise<DriverGeneration<Req>>;
}

/** Whether `begin` accepted the request. */
export function isRunning(value: RunningRequest | WireError): value is RunningRequest {
  return 'done' in value;
}

/** What the scheduler learns of generation number `generation`, started as `started`. */
export function generationInfo(generation: number, started: DriverGeneration): GenerationInfo {
  return {
    generation,
    workerVersion: started.workerVersion,
    protocolVersion: started.protocolVersion,
    pid: started.child.pid,
    spawnHandshakeMs: started.spawnHandshakeMs,
  };
}

/**
 * The driver for a child kind (absent: lean-rs-worker protocol v10); `maxJsonDepth` bounds the
 * nesting of the JSON values a v10 child sends.
 */
