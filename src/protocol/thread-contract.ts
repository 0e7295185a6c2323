/**
 * The contract between the main thread and a supervisor thread: every message and configuration
 * type that crosses between them, imported by both sides (and nothing else from `threads/` is
 * imported by `src/`). Three transports carry it:
 *
 * - the control API ({@link SupervisorApi}) on the thread's `parentPort`, through comlink: rare
 *   calls (start, cycle, sample, shutdown) where a promise per call is the simplest shape;
 * - the request port: one plain {@link RequestCall} each way per request and its
 *   {@link RequestReply}, the hot path of a round trip, with repeated objects sent by reference
 *   ({@link SpecRefs});
 * - the event port: unsolicited `SupervisorEvent`s (generations, restarts, reaped pids).
 *
 * Rows take none of these: each request brings its own transferable row port.
 */
import type { MessagePort } from 'node:worker_threads';
import type { WireError } from './error-codes.js';
import type {
  GenerationInfo,
  MemorySample,
  RequestOutcome,
  ShutdownReport,
  SupervisorRequest,
} from './port-messages.js';
import { isReplOp, type ReplSupervisorRequest } from './repl-work.js';
import type { ChildKindSpec, WorkerLaunchSpec } from './worker-spec.js';

/** A request for either child kind; each driver refuses the other kind's operations. */
export type AnySupervisorRequest = SupervisorRequest | ReplSupervisorRequest;

/** Whether `spec` is a repl job (else a lean-rs-worker protocol v10 request). */
export function isReplRequest(spec: AnySupervisorRequest): spec is ReplSupervisorRequest {
  return isReplOp(spec.request.op);
}

/** Restart intensity: at most `maxRestarts` within `windowMs`, with backoff between restarts. */
export interface RestartIntensityOptions {
  readonly maxRestarts: number;
  readonly windowMs: number;
  /** Delay before the second restart in a window; doubles each time after. 0 disables backoff. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
}

/** How rows are batched to the consumer. */
export interface RelayOptions {
  /** Batches the consumer may have in flight before the relay waits. */
  readonly initialCredit: number;
  readonly maxBatchItems: number;
  readonly maxBatchBytes: number;
}

/** Everything a supervisor thread is started with. */
export interface SupervisorConfig {
  readonly launch: WorkerLaunchSpec;
  readonly restart: RestartIntensityOptions;
  readonly relay: RelayOptions;
  /** Deepest nesting accepted in JSON from the child; absent means the protocol default. */
  readonly maxJsonDepth?: number;
  /** Nice value of the thread's children, not the thread (`workerNice`); absent means 0. */
  readonly nice?: number;
  /** The thread's children (not the thread) under SCHED_IDLE where the platform has it (`workerSchedIdle`). */
  readonly schedIdle?: boolean;
  /** The CPUs the thread and its children may run on where the platform can (`workerCpus`); absent, any. */
  readonly cpus?: readonly number[];
  /** The child kind; absent means lean-rs-worker protocol v10. */
  readonly child?: ChildKindSpec;
}

/** The thread's `workerData`. */
export interface SupervisorWorkerData {
  readonly config: SupervisorConfig;
  readonly events: MessagePort;
  readonly requests: MessagePort;
}

export type StartResult = { ok: true; info: GenerationInfo } | { ok: false; error: WireError };

/** The control API the scheduler calls. */
export interface SupervisorApi {
  start(): Promise<StartResult>;
  cancel(id: number, reason?: string): void;
  cycle(reason: string): Promise<StartResult>;
  sample(withPss?: boolean): Promise<MemorySample>;
  shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport>;
  /** Turn a graceful shutdown under way into a kill. */
  killNow(): void;
}

/** Which objects of a request were sent by reference, and the ones named for the first time. */
export interface SpecRefs {
  /** Field of the request, or of its `schemas`, to the number naming its object. */
  readonly fields: Readonly<Partial<Record<RefField, number>>>;
  /** Objects named for the first time by this request: number, then the object. */
  readonly defs: readonly (readonly [number, object])[];
  /** The sender started its numbering afresh: forget every object named before. */
  readonly reset: boolean;
}

export type RefField = 'session' | 'row' | 'summary' | 'response';

export const SCHEMA_FIELDS = ['row', 'summary', 'response'] as const;

/** One request on the request port; `port` (transferred) takes its rows and outcome. */
export interface RequestCall {
  readonly call: number;
  /** The request, its session and schemas replaced by `refs` when it has any. */
  readonly spec: AnySupervisorRequest;
  readonly refs?: SpecRefs | undefined;
  readonly port: MessagePort | null;
}

/** The answer to a {@link RequestCall}: its outcome, or why the supervisor could not run it. */
export type RequestReply =
  | { readonly call: number; readonly outcome: RequestOutcome }
  | { readonly call: number; readonly error: string };
