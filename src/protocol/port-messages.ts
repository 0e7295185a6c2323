/**
 * Messages between the main-thread scheduler, a supervisor thread and a row consumer. Plain
 * structured-cloneable data; no I/O here. Rows cross a per-request MessagePort in natural
 * batches; the consumer grants credit back on the same port.
 */
import type { WireError } from './error-codes.js';
import type { Request } from './messages.js';

/** One row as the consumer sees it. Tentative until the terminal summary resolves. */
export interface LeanWorkerDataRow<Payload = unknown> {
  readonly stream: string;
  readonly sequence: number;
  readonly payload: Payload;
}

export interface DiagnosticItem {
  readonly kind: 'diagnostic';
  readonly code: string;
  readonly message: string;
}

export interface ProgressItem {
  readonly kind: 'progress';
  readonly phase: string;
  readonly current: number;
  readonly total: number | null;
  /** Parent-side time since the request was sent. */
  readonly elapsedMs: number;
}

/** A batch item: a row, or a diagnostic/progress event kept in wire order with the rows. */
export type BatchItem = LeanWorkerDataRow | DiagnosticItem | ProgressItem;

/** Supervisor to consumer on the row port. */
export type RowPortMessage =
  /** A batch in wire order, as the JSON text of a `BatchItem[]` (small rows) or as the items. */
  | { readonly type: 'batch'; readonly text: string }
  | { readonly type: 'batch'; readonly items: BatchItem[] }
  /** Rows of one stream with the sequences `first`, `first + 1`, ...: their payloads as one JSON array text. */
  | { readonly type: 'rows'; readonly stream: string; readonly first: number; readonly text: string }
  | { readonly type: 'end'; readonly outcome: RequestOutcome };

/** Consumer to supervisor on the row port. */
export type RowPortReply = { readonly type: 'credit'; readonly batches: number } | { readonly type: 'close' };

/** Terminal summary of a stream, as the library reports it. */
export interface StreamSummaryData<Metadata = unknown> {
  readonly totalRows: number;
  readonly perStreamCounts: Readonly<Record<string, number>>;
  /** Child-measured elapsed time. */
  readonly elapsedMs: number;
  readonly metadata: Metadata | null;
}

/** Marks, in a thread schema, an object whose unknown keys are removed after the check (as `z.object` does). */
export const STRIP_MARKER = 'x-strip';

/** A command schema the supervisor checks exactly: the JSON Schema of the zod schema's input, made once. */
export interface ThreadSchema {
  readonly json: object;
  /** Whether a passing value comes back unchanged (no default filled in, no key removed). */
  readonly preservesValue: boolean;
}

/** JSON Schemas the supervisor validates with; null where the consumer validates. */
export interface ValidationSchemas {
  readonly row?: ThreadSchema | null;
  readonly summary?: ThreadSchema | null;
  readonly response?: ThreadSchema | null;
}

/** A request as the scheduler hands it to a supervisor. */
export interface SupervisorRequest {
  readonly id: number;
  /** The generation the caller's lease was granted on; a mismatch is refused untouched. */
  readonly generation: number;
  readonly request: Request;
  /** Total deadline; 0 uses the worker default. */
  readonly timeoutMs: number;
  /** Idle (no frame) deadline; 0 uses the worker default. */
  readonly idleTimeoutMs: number;
  readonly schemas?: ValidationSchemas;
  /** Retry once after opening the session when the child answers `session_missing`. */
  readonly session?: import('./worker-spec.js').SessionOpenSpec | null;
  /**
   * Sent by the pool to prepare a generation (session open, metadata check): its success does not
   * end a run of restarts, so a child that opens but crashes on every command is a crash loop.
   */
  readonly preparation?: boolean;
}

/**
 * A terminal response as an outcome carries it. A `json_command` answer leaves its text behind:
 * it crosses the port once, parsed and checked, as the outcome's `value`.
 */
export type OutcomeResponse =
  | Exclude<import('./messages.js').Response, { readonly status: 'json_command' }>
  | { readonly status: 'json_command' };

/** What happened to one request. Exactly one per request. */
export type RequestOutcome =
  | {
      readonly ok: true;
      readonly generation: number;
      readonly response: OutcomeResponse;
      /** Decoded `response_json` for json commands. */
      readonly value?: unknown;
      readonly summary?: StreamSummaryData;
      readonly stats: RequestStats;
    }
  | {
      readonly ok: false;
      readonly generation: number;
      readonly error: WireError;
      /** Whether the request reached the child (false: nothing was sent). */
      readonly workEnteredChild: boolean;
      /** Whether the child was killed and a next generation started. */
      readonly restarted: boolean;
      readonly stats: RequestStats;
    };

export interface RequestStats {
  readonly rowsDelivered: number;
  readonly payloadBytes: number;
  readonly diagnostics: number;
  readonly progressTicks: number;
  readonly backpressureWaits: number;
  readonly elapsedMs: number;
  readonly sessionReopened: boolean;
}

/** The failed outcome of a request that delivered `rowsDelivered` rows and did not restart the child. */
export function failedOutcome(
  generation: number,
  error: WireError,
  workEnteredChild: boolean,
  rowsDelivered = 0,
): RequestOutcome {
  const stats = emptyRequestStats(rowsDelivered);
  return { ok: false, generation, error, workEnteredChild, restarted: false, stats };
}

/** Stats of a request that never reached the child. */
export function emptyRequestStats(rowsDelivered = 0): RequestStats {
  const zero = { payloadBytes: 0, diagnostics: 0, progressTicks: 0, backpressureWaits: 0, elapsedMs: 0 };
  return { rowsDelivered, ...zero, sessionReopened: false };
}

/** Memory of the child and its descendants, in KiB, by measure. */
export interface MemorySample {
  readonly available: boolean;
  /** How it was measured: `/proc` gives the breakdown; `pidusage` only total RSS. */
  readonly source: 'proc' | 'pidusage' | 'none';
  readonly processes: number;
  readonly rssKib: number;
  readonly rssAnonKib: number | null;
  readonly rssFileKib: number | null;
  readonly rssShmemKib: number | null;
  readonly hwmKib: number | null;
  readonly pssKib: number | null;
  /** Private memory: RssAnon + RssShmem (or total RSS when no breakdown). */
  readonly privateKib: number;
  readonly sampledAtMs: number;
}

/** How a worker's child was stopped. */
export type ShutdownOutcome =
  | 'already_exited'
  | 'graceful'
  | 'graceful_timed_out_killed'
  | 'graceful_protocol_failed_killed'
  | 'kill_only';

export interface ShutdownReport {
  readonly outcome: ShutdownOutcome;
  readonly elapsedMs: number;
  readonly gracefulWaitMs: number;
  readonly killWaitMs: number | null;
  readonly exit: ChildExitInfo | null;
}

/** The report of a stop that found the child gone (or never there). */
export function alreadyExited(exit: ChildExitInfo | null = null): ShutdownReport {
  return { outcome: 'already_exited', elapsedMs: 0, gracefulWaitMs: 0, killWaitMs: null, exit };
}

export interface ChildExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
  readonly success: boolean;
  readonly stderrTail: string;
}

/** Facts of the running child the scheduler keeps; never shown to pool users. */
export interface GenerationInfo {
  readonly generation: number;
  readonly workerVersion: string;
  readonly protocolVersion: number;
  readonly pid: number;
  readonly spawnHandshakeMs: number;
}

/** Supervisor to scheduler, unsolicited. */
export type SupervisorEvent =
  /** A child process exists (before its handshake); the main thread guards its process group. */
  | { readonly type: 'spawned'; readonly pid: number }
  /** A child that failed to get ready was reaped; its group needs no more guarding. */
  | { readonly type: 'start_reaped'; readonly pid: number }
  | { readonly type: 'generation_started'; readonly info: GenerationInfo; readonly reason: string }
  | {
      readonly type: 'child_exited';
      readonly generation: number;
      readonly exit: ChildExitInfo;
      readonly inFlight: boolean;
    }
  | {
      readonly type: 'restart';
      readonly generation: number;
      readonly reason: string;
      readonly delayMs: number;
    }
  | { readonly type: 'restart_limit'; readonly restarts: number; readonly windowMs: number }
  | { readonly type: 'restart_failed'; readonly generation: number; readonly error: WireError }
  | { readonly type: 'protocol_violation'; readonly generation: number; readonly error: WireError }
  /** The relay's `waits`-th wait for credit, told on the 1st, 2nd, 4th, 8th... wait of a request. */
  | { readonly type: 'backpressure'; readonly requestId: number; readonly waits: number }
  | { readonly type: 'kill'; readonly generation: number; readonly reason: string }
  | {
      readonly type: 'reap';
      readonly generation: number;
      readonly pid: number;
      readonly exit: ChildExitInfo;
    };
