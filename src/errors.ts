/**
 * One error base class with a stable `code`, one subclass per failure class. Facts are typed
 * fields, per class and checked where an error is built; the underlying error is `cause`. Callers
 * branch on `code`, never on the message: after `instanceof LeanWorkerError`, a test of `code`
 * narrows `facts` to that code's class.
 * Errors cross threads as `WireError` data and are rebuilt here by `errorFromWire`.
 */
import type * as Facts from './error-facts.js';
import { causeData, ErrorCode, type WireError } from './protocol/error-codes.js';

export type { WireError };
export { ErrorCode };

const kBrand = Symbol.for('lean-worker-pool.error');

/** The short name of a code (`'QUEUE_TIMEOUT'` for `ErrorCode.QUEUE_TIMEOUT`). */
export type ErrorCodeName = keyof typeof ErrorCode;

/** What building an error takes besides its code and message. */
export type ErrorInit<F> = { readonly facts?: F; readonly cause?: unknown };

/** What `instanceof` narrows to: the base class narrows to the union of every class. */
type Narrowed<T> = LeanWorkerError extends T ? AnyLeanWorkerError : T;
/** A class, abstract or not, of `T`s. */
type AnyClass<T = unknown> = abstract new (...args: never) => T;

/** Base of every error this library throws: `F` types the facts of its class, `K` names its codes. */
export class LeanWorkerError<
  F extends Facts.BaseFacts = Facts.BaseFacts,
  K extends ErrorCodeName = ErrorCodeName,
> extends Error {
  readonly code: (typeof ErrorCode)[K];
  /** Structured facts of the failure (limits, exit status, stream and sequence, ...). */
  readonly facts: Readonly<F>;

  constructor(code: (typeof ErrorCode)[K], message: string, options: ErrorInit<F> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.facts = Object.freeze({ ...options.facts }) as Readonly<F>;
  }

  override get name(): string {
    return this.constructor.name;
  }

  /** `instanceof` that also holds across two loaded copies of the package. */
  static override [Symbol.hasInstance]<T>(this: AnyClass<T>, value: unknown): value is Narrowed<T> {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class being tested (subclasses too).
    if (Object.is(this, LeanWorkerError)) {
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
    const { code, message, cause } = this;
    const wire = { code, message, facts: { ...this.facts } };
    if (cause === undefined) return wire;
    return { ...wire, cause: cause instanceof LeanWorkerError ? cause.toWire() : causeData(cause) };
  }
}

/** Options failed validation. */
export class InvalidOptionsError extends LeanWorkerError<Facts.InvalidOptionsFacts, 'INVALID_OPTIONS'> {}
/** An argument other than an options object is unusable. */
export class InvalidArgumentError extends LeanWorkerError<Facts.InvalidArgumentFacts, 'INVALID_ARGUMENT'> {}
/** The child could not be started (ENOENT, EACCES, ...). */
export class SpawnError extends LeanWorkerError<Facts.ChildFacts, 'SPAWN'> {}
/** The child did not handshake correctly or in time. */
export class HandshakeError extends LeanWorkerError<Facts.ChildFacts, 'HANDSHAKE'> {}
/** The child broke the wire protocol (bad frame, unexpected message, stale output). */
export class ProtocolError extends LeanWorkerError<Facts.ProtocolFacts, 'PROTOCOL'> {}
/** A frame's declared length passed the negotiated cap. */
export class FrameTooLargeError extends LeanWorkerError<Facts.FrameTooLargeFacts, 'FRAME_TOO_LARGE'> {}
/** The child exited cleanly (status 0) while work was outstanding. */
export class ChildExitError extends LeanWorkerError<Facts.ChildFacts, 'CHILD_EXIT'> {}
/** The child died by a signal or a non-zero status, or a worker whose replacement failed. */
export class ChildCrashError extends LeanWorkerError<
  Facts.ChildFacts,
  'CHILD_CRASH' | 'WORKER_UNAVAILABLE'
> {}
/** A request or startup deadline passed (total or idle). */
export class TimeoutError extends LeanWorkerError<Facts.TimeoutFacts, 'TIMEOUT'> {}
/** The caller aborted; `cause` is the signal's reason. */
export class AbortError extends LeanWorkerError<Facts.AbortFacts, 'ABORTED'> {}
/** The child answered `error{code,message}`; `facts.workerCode` is the child's code. */
export class WorkerError extends LeanWorkerError<Facts.WorkerFacts, 'WORKER'> {}
/** A streaming export returned a non-callback status byte. */
export class StreamExportFailedError extends LeanWorkerError<Facts.StreamFacts, 'STREAM_EXPORT_FAILED'> {}
/** A streaming export's callback failed (status 1-4). */
export class StreamCallbackFailedError extends LeanWorkerError<Facts.StreamFacts, 'STREAM_CALLBACK_FAILED'> {}
/** The child reported a malformed stream envelope. */
export class StreamRowMalformedError extends LeanWorkerError<Facts.StreamFacts, 'STREAM_ROW_MALFORMED'> {}
/** Capability metadata or doctor output was not decodable. */
export class CapabilityMalformedError extends LeanWorkerError<
  Facts.MetadataFacts,
  'METADATA_MALFORMED' | 'DOCTOR_MALFORMED'
> {}
/** Capability metadata differed from the expectation. */
export class MetadataMismatchError extends LeanWorkerError<Facts.MetadataFacts, 'METADATA_MISMATCH'> {}
/** A typed command's request, response, row or summary did not match its schema. */
export class CommandSchemaError extends LeanWorkerError<
  Facts.CommandSchemaFacts,
  'REQUEST_ENCODE' | 'RESPONSE_DECODE' | 'ROW_DECODE' | 'SUMMARY_DECODE'
> {}
/** A consumer callback threw. */
export class ConsumerError extends LeanWorkerError<Facts.ConsumerFacts, 'CONSUMER'> {}
/** The lease can no longer be used: its worker moved to another generation, or it was released. */
export class LeaseInvalidatedError extends LeanWorkerError<
  Facts.LeaseFacts,
  'LEASE_INVALIDATED' | 'LEASE_RELEASED'
> {}
/** A lease (or its worker) was asked for more while a request is in flight; the lease stays valid. */
export class LeaseBusyError extends LeanWorkerError<Facts.LeaseBusyFacts, 'LEASE_BUSY'> {}
/** Waiting for a worker took longer than allowed. */
export class QueueTimeoutError extends LeanWorkerError<Facts.QueueTimeoutFacts, 'QUEUE_TIMEOUT'> {}
/** The admission queue is at its bound. */
export class QueueFullError extends LeanWorkerError<Facts.QueueFullFacts, 'QUEUE_FULL'> {}
/** No worker can be had and waiting is disabled. */
export class PoolExhaustedError extends LeanWorkerError<Facts.PoolExhaustedFacts, 'POOL_EXHAUSTED'> {}
/** Admitting a cold worker would pass the pool memory budget or eat into the system reserve. */
export class MemoryBudgetError extends LeanWorkerError<Facts.MemoryBudgetFacts, 'MEMORY_BUDGET'> {}
/** A worker passed its hard memory limit while a request ran; the child was killed and replaced. */
export class MemoryLimitError extends LeanWorkerError<Facts.MemoryLimitFacts, 'MEMORY_LIMIT'> {}
/** The pool is closing or closed. */
export class PoolClosedError extends LeanWorkerError<Facts.BaseFacts, 'POOL_CLOSED'> {}
/** A worker's restarts passed the intensity limit; its key is quarantined. */
export class RestartLimitError extends LeanWorkerError<Facts.RestartLimitFacts, 'RESTART_LIMIT'> {}
/** The session key is quarantined after a restart loop; admission refused it without a start. */
export class QuarantinedError extends LeanWorkerError<Facts.QuarantinedFacts, 'QUARANTINED'> {}
/** Building the Lean capability failed. */
export class CapabilityBuildError extends LeanWorkerError<Facts.CapabilityBuildFacts, 'CAPABILITY_BUILD'> {}
/** Static preflight of a worker failed. */
export class BootstrapError extends LeanWorkerError<Facts.BootstrapFacts, 'BOOTSTRAP'> {}
/** Import planning failed. */
export class PlanError extends LeanWorkerError<Facts.PlanFacts, 'PLAN'> {}
/** A lease called an export its manifest does not declare (or for another kind); nothing was sent. */
export class ExportNotDeclaredError extends LeanWorkerError<
  Facts.ExportNotDeclaredFacts,
  'EXPORT_NOT_DECLARED'
> {}

/** The cluster's Redis could not be reached, or lost a job's state (`facts.reason`, `jobId`). */
export class ClusterUnavailableError extends LeanWorkerError<Facts.ClusterFacts, 'CLUSTER_UNAVAILABLE'> {}
/** A cluster job's node died (or stopped renewing its lock) on its last attempt (`facts.attempts`). */
export class NodeLostError extends LeanWorkerError<Facts.ClusterFacts, 'NODE_LOST'> {}

/** The class for each code: the only place that knows the mapping. */
const classByCode = {
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
  [ErrorCode.LEASE_BUSY]: LeaseBusyError,
  [ErrorCode.QUEUE_TIMEOUT]: QueueTimeoutError,
  [ErrorCode.QUEUE_FULL]: QueueFullError,
  [ErrorCode.POOL_EXHAUSTED]: PoolExhaustedError,
  [ErrorCode.MEMORY_BUDGET]: MemoryBudgetError,
  [ErrorCode.MEMORY_LIMIT]: MemoryLimitError,
  [ErrorCode.POOL_CLOSED]: PoolClosedError,
  [ErrorCode.RESTART_LIMIT]: RestartLimitError,
  [ErrorCode.QUARANTINED]: QuarantinedError,
  [ErrorCode.WORKER_UNAVAILABLE]: ChildCrashError,
  [ErrorCode.CAPABILITY_BUILD]: CapabilityBuildError,
  [ErrorCode.BOOTSTRAP]: BootstrapError,
  [ErrorCode.PLAN]: PlanError,
  [ErrorCode.EXPORT_NOT_DECLARED]: ExportNotDeclaredError,
  [ErrorCode.CLUSTER_UNAVAILABLE]: ClusterUnavailableError,
  [ErrorCode.NODE_LOST]: NodeLostError,
} as const;

/** The class thrown with `code`. */
export type ErrorOf<C extends ErrorCode> = InstanceType<(typeof classByCode)[C]>;

/** Every error class; `error.code` tells them apart (what `instanceof LeanWorkerError` narrows to). */
export type AnyLeanWorkerError = ErrorOf<ErrorCode>;

/** Each code's class, built from that code (a class that is not thrown with a code fails here). */
type ClassTable = {
  [C in ErrorCode]: new (
    code: C,
    message: string,
    init?: ErrorInit<ErrorOf<C>['facts']>,
  ) => ErrorOf<C>;
};

/** Build the error class that belongs to `code`, its facts typed by that class. */
export function makeError<C extends ErrorCode>(
  code: C,
  message: string,
  init: ErrorInit<ErrorOf<C>['facts']> = {},
): ErrorOf<C> {
  const table: ClassTable = classByCode;
  return new table[code](code, message, init);
}

/** The INVALID_ARGUMENT error of `argument`, naming the type of the `value` it received. */
export function invalidArgument(message: string, argument: string, value: unknown): InvalidArgumentError {
  return makeError(ErrorCode.INVALID_ARGUMENT, message, {
    facts: { argument, received: value === null ? 'null' : typeof value },
  });
}

/** Rebuild an error that crossed a thread boundary as data. */
export function errorFromWire(wire: WireError): LeanWorkerError {
  const c = wire.cause;
  const cause = c && ('code' in c ? errorFromWire(c) : Object.assign(new Error(c.message), { name: c.name }));
  return makeError(wire.code, wire.message, { facts: { ...(wire.facts ?? {}) }, cause });
}

/**
 * Give each class its own name for good: `name` reads the constructor's, which a minified build
 * renames (esbuild's `keepNames` would wrap every function); object keys survive minification.
 */
export function keepClassNames(classes: Readonly<Record<string, AnyClass>>): void {
  for (const [name, Class] of Object.entries(classes)) Object.defineProperty(Class, 'name', { value: name });
}

keepClassNames({
  LeanWorkerError,
  InvalidOptionsError,
  InvalidArgumentError,
  SpawnError,
  HandshakeError,
  ProtocolError,
  FrameTooLargeError,
  ChildExitError,
  ChildCrashError,
  TimeoutError,
  AbortError,
  WorkerError,
  StreamExportFailedError,
  StreamCallbackFailedError,
  StreamRowMalformedError,
  CapabilityMalformedError,
  MetadataMismatchError,
  CommandSchemaError,
  ConsumerError,
  LeaseInvalidatedError,
  LeaseBusyError,
  QueueTimeoutError,
  QueueFullError,
  PoolExhaustedError,
  MemoryBudgetError,
  MemoryLimitError,
  PoolClosedError,
  RestartLimitError,
  QuarantinedError,
  CapabilityBuildError,
  BootstrapError,
  PlanError,
  ExportNotDeclaredError,
  ClusterUnavailableError,
  NodeLostError,
});
