/**
 * One error base class with a stable `code`, one subclass per failure class. Facts are typed
 * fields; the underlying error is `cause`. Callers branch on `code`, never on the message.
 * Errors cross threads as `WireError` data and are rebuilt here by `errorFromWire`.
 */
import type * as Facts from './error-facts.js';
import { causeData, ErrorCode, type WireError } from './protocol/error-codes.js';

export type { WireError };
export { ErrorCode };

const kBrand = Symbol.for('lean-worker-pool.error');

/** Base of every error this library throws; `Facts` types the facts of its class. */
export class LeanWorkerError<F extends Facts.BaseFacts = Facts.BaseFacts> extends Error {
  readonly code: ErrorCode;
  /** Structured facts of the failure (limits, exit status, stream and sequence, ...). */
  readonly facts: Readonly<F>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { facts?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.facts = Object.freeze({ ...(options.facts ?? {}) }) as Readonly<F>;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** `instanceof` that also holds across two loaded copies of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class being tested (subclasses too).
    if (this === LeanWorkerError) {
      return (
        typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[kBrand] === true
      );
    }
    // biome-ignore lint/complexity/noThisInStatic: ordinary prototype-chain check for subclasses.
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  get [kBrand](): boolean {
    return true;
  }

  /** This error as plain data for a MessagePort. */
  toWire(): WireError {
    return { code: this.code, message: this.message, facts: { ...this.facts }, ...causeToWire(this.cause) };
  }
}

function causeToWire(cause: unknown): { cause?: WireError['cause'] } {
  if (cause === undefined) return {};
  return { cause: cause instanceof LeanWorkerError ? cause.toWire() : causeData(cause) };
}

/** Options failed validation. */
export class InvalidOptionsError extends LeanWorkerError<Facts.InvalidOptionsFacts> {}
/** An argument other than an options object is unusable. */
export class InvalidArgumentError extends LeanWorkerError<Facts.InvalidArgumentFacts> {}
/** The child could not be started (ENOENT, EACCES, ...). */
export class SpawnError extends LeanWorkerError<Facts.ChildFacts> {}
/** The child did not handshake correctly or in time. */
export class HandshakeError extends LeanWorkerError<Facts.ChildFacts> {}
/** The child broke the wire protocol (bad frame, unexpected message, stale output). */
export class ProtocolError extends LeanWorkerError<Facts.ProtocolFacts> {}
/** A frame's declared length passed the negotiated cap. */
export class FrameTooLargeError extends LeanWorkerError<Facts.FrameTooLargeFacts> {}
/** The child exited cleanly (status 0) while work was outstanding. */
export class ChildExitError extends LeanWorkerError<Facts.ChildFacts> {}
/** The child died by a signal or a non-zero status. */
export class ChildCrashError extends LeanWorkerError<Facts.ChildFacts> {}
/** A request or startup deadline passed (total or idle). */
export class TimeoutError extends LeanWorkerError<Facts.TimeoutFacts> {}
/** The caller aborted; `cause` is the signal's reason. */
export class AbortError extends LeanWorkerError<Facts.AbortFacts> {}
/** The child answered `error{code,message}`; `facts.workerCode` is the child's code. */
export class WorkerError extends LeanWorkerError<Facts.WorkerFacts> {}
/** A streaming export returned a non-callback status byte. */
export class StreamExportFailedError extends LeanWorkerError<Facts.StreamFacts> {}
/** A streaming export's callback failed (status 1-4). */
export class StreamCallbackFailedError extends LeanWorkerError<Facts.StreamFacts> {}
/** The child reported a malformed stream envelope. */
export class StreamRowMalformedError extends LeanWorkerError<Facts.StreamFacts> {}
/** Capability metadata or doctor output was not decodable. */
export class CapabilityMalformedError extends LeanWorkerError<Facts.MetadataFacts> {}
/** Capability metadata differed from the expectation. */
export class MetadataMismatchError extends LeanWorkerError<Facts.MetadataFacts> {}
/** A typed command's request, response, row or summary did not match its schema. */
export class CommandSchemaError extends LeanWorkerError<Facts.CommandSchemaFacts> {}
/** A consumer callback threw. */
export class ConsumerError extends LeanWorkerError<Facts.ConsumerFacts> {}
/** The lease can no longer be used (generation changed, released, busy). */
export class LeaseInvalidatedError extends LeanWorkerError<Facts.LeaseFacts> {}
/** Waiting for a worker took longer than allowed. */
export class QueueTimeoutError extends LeanWorkerError<Facts.QueueTimeoutFacts> {}
/** The admission queue is at its bound. */
export class QueueFullError extends LeanWorkerError<Facts.QueueFullFacts> {}
/** No worker can be had and waiting is disabled. */
export class PoolExhaustedError extends LeanWorkerError<Facts.PoolExhaustedFacts> {}
/** Admission would pass the pool memory budget, or a worker passed its hard limit. */
export class MemoryBudgetError extends LeanWorkerError<Facts.MemoryBudgetFacts> {}
/** The pool is closing or closed. */
export class PoolClosedError extends LeanWorkerError<Facts.BaseFacts> {}
/** Restarts passed the intensity limit; the key may be quarantined. */
export class RestartLimitError extends LeanWorkerError<Facts.RestartLimitFacts> {}
/** Building the Lean capability failed. */
export class CapabilityBuildError extends LeanWorkerError<Facts.CapabilityBuildFacts> {}
/** Static preflight of a worker failed. */
export class BootstrapError extends LeanWorkerError<Facts.BootstrapFacts> {}
/** Import planning failed. */
export class PlanError extends LeanWorkerError<Facts.PlanFacts> {}
/**
 * A lease called an export its capability manifest does not declare (or declares for another
 * command kind); nothing was sent. Facts: `export`, `op`, `manifestPath`, `declaredKind`.
 */
export class ExportNotDeclaredError extends LeanWorkerError<Facts.ExportNotDeclaredFacts> {}

type ErrorClass = new (
  code: ErrorCode,
  message: string,
  options?: { facts?: Record<string, unknown>; cause?: unknown },
) => LeanWorkerError<Facts.BaseFacts>;

/** The class for each code: the only place that knows the mapping. */
const classByCode: Record<ErrorCode, ErrorClass> = {
  [ErrorCode.INVALID_OPTIONS]: InvalidOptionsError,
  [ErrorCode.INVALID_ARGUMENT]: InvalidArgumentError,
  [ErrorCode.SPAWN]: SpawnError,
  [ErrorCode.HANDSHAKE]: HandshakeError,
  [ErrorCode.PROTOCOL]: ProtocolError,
  [ErrorCode.FRAME_TOO_LARGE]: FrameTooLargeError,
  [ErrorCode.CHILD_EXIT]: ChildExitError,
  [ErrorCode.CHILD_CRASH]: ChildCrashError,
  [ErrorCode.TIMEOUT]: TimeoutError,
  [ErrorCode.ABORTED]: AbortError,
  [ErrorCode.WORKER]: WorkerError,
  [ErrorCode.STREAM_EXPORT_FAILED]: StreamExportFailedError,
  [ErrorCode.STREAM_CALLBACK_FAILED]: StreamCallbackFailedError,
  [ErrorCode.STREAM_ROW_MALFORMED]: StreamRowMalformedError,
  [ErrorCode.METADATA_MALFORMED]: CapabilityMalformedError,
  [ErrorCode.DOCTOR_MALFORMED]: CapabilityMalformedError,
  [ErrorCode.METADATA_MISMATCH]: MetadataMismatchError,
  [ErrorCode.REQUEST_ENCODE]: CommandSchemaError,
  [ErrorCode.RESPONSE_DECODE]: CommandSchemaError,
  [ErrorCode.ROW_DECODE]: CommandSchemaError,
  [ErrorCode.SUMMARY_DECODE]: CommandSchemaError,
  [ErrorCode.CONSUMER]: ConsumerError,
  [ErrorCode.LEASE_INVALIDATED]: LeaseInvalidatedError,
  [ErrorCode.LEASE_RELEASED]: LeaseInvalidatedError,
  [ErrorCode.LEASE_BUSY]: LeaseInvalidatedError,
  [ErrorCode.QUEUE_TIMEOUT]: QueueTimeoutError,
  [ErrorCode.QUEUE_FULL]: QueueFullError,
  [ErrorCode.POOL_EXHAUSTED]: PoolExhaustedError,
  [ErrorCode.MEMORY_BUDGET]: MemoryBudgetError,
  [ErrorCode.MEMORY_LIMIT]: MemoryBudgetError,
  [ErrorCode.POOL_CLOSED]: PoolClosedError,
  [ErrorCode.RESTART_LIMIT]: RestartLimitError,
  [ErrorCode.QUARANTINED]: RestartLimitError,
  [ErrorCode.WORKER_UNAVAILABLE]: ChildCrashError,
  [ErrorCode.CAPABILITY_BUILD]: CapabilityBuildError,
  [ErrorCode.BOOTSTRAP]: BootstrapError,
  [ErrorCode.PLAN]: PlanError,
  [ErrorCode.EXPORT_NOT_DECLARED]: ExportNotDeclaredError,
};

/** Build the error class that belongs to `code`. */
export function makeError(
  code: ErrorCode,
  message: string,
  options: { facts?: Record<string, unknown>; cause?: unknown } = {},
): LeanWorkerError {
  const Class = classByCode[code] ?? LeanWorkerError;
  return new Class(code, message, options);
}

/** Rebuild an error that crossed a thread boundary as data. */
export function errorFromWire(wire: WireError): LeanWorkerError {
  let cause: unknown;
  if (wire.cause !== undefined) {
    cause =
      'code' in wire.cause
        ? errorFromWire(wire.cause)
        : Object.assign(new Error(wire.cause.message), { name: wire.cause.name });
  }
  return makeError(wire.code, wire.message, { facts: { ...(wire.facts ?? {}) }, cause });
}
