/**
 * Stable error codes shared by every layer. Errors cross thread boundaries as plain data
 * (`WireError`); `src/errors.ts` turns them back into classes on the receiving side.
 */
export const ErrorCode = {
  INVALID_OPTIONS: 'LEAN_WORKER_ERR_INVALID_OPTIONS',
  INVALID_ARGUMENT: 'LEAN_WORKER_ERR_INVALID_ARGUMENT',
  SPAWN: 'LEAN_WORKER_ERR_SPAWN',
  HANDSHAKE: 'LEAN_WORKER_ERR_HANDSHAKE',
  PROTOCOL: 'LEAN_WORKER_ERR_PROTOCOL',
  FRAME_TOO_LARGE: 'LEAN_WORKER_ERR_FRAME_TOO_LARGE',
  CHILD_EXIT: 'LEAN_WORKER_ERR_CHILD_EXIT',
  CHILD_CRASH: 'LEAN_WORKER_ERR_CHILD_CRASH',
  TIMEOUT: 'LEAN_WORKER_ERR_TIMEOUT',
  ABORTED: 'LEAN_WORKER_ERR_ABORTED',
  WORKER: 'LEAN_WORKER_ERR_WORKER',
  STREAM_EXPORT_FAILED: 'LEAN_WORKER_ERR_STREAM_EXPORT_FAILED',
  STREAM_CALLBACK_FAILED: 'LEAN_WORKER_ERR_STREAM_CALLBACK_FAILED',
  STREAM_ROW_MALFORMED: 'LEAN_WORKER_ERR_STREAM_ROW_MALFORMED',
  METADATA_MALFORMED: 'LEAN_WORKER_ERR_METADATA_MALFORMED',
  DOCTOR_MALFORMED: 'LEAN_WORKER_ERR_DOCTOR_MALFORMED',
  METADATA_MISMATCH: 'LEAN_WORKER_ERR_METADATA_MISMATCH',
  REQUEST_ENCODE: 'LEAN_WORKER_ERR_REQUEST_ENCODE',
  RESPONSE_DECODE: 'LEAN_WORKER_ERR_RESPONSE_DECODE',
  ROW_DECODE: 'LEAN_WORKER_ERR_ROW_DECODE',
  SUMMARY_DECODE: 'LEAN_WORKER_ERR_SUMMARY_DECODE',
  CONSUMER: 'LEAN_WORKER_ERR_CONSUMER',
  LEASE_INVALIDATED: 'LEAN_WORKER_ERR_LEASE_INVALIDATED',
  LEASE_RELEASED: 'LEAN_WORKER_ERR_LEASE_RELEASED',
  LEASE_BUSY: 'LEAN_WORKER_ERR_LEASE_BUSY',
  QUEUE_TIMEOUT: 'LEAN_WORKER_ERR_QUEUE_TIMEOUT',
  QUEUE_FULL: 'LEAN_WORKER_ERR_QUEUE_FULL',
  POOL_EXHAUSTED: 'LEAN_WORKER_ERR_POOL_EXHAUSTED',
  MEMORY_BUDGET: 'LEAN_WORKER_ERR_MEMORY_BUDGET',
  MEMORY_LIMIT: 'LEAN_WORKER_ERR_MEMORY_LIMIT',
  POOL_CLOSED: 'LEAN_WORKER_ERR_POOL_CLOSED',
  RESTART_LIMIT: 'LEAN_WORKER_ERR_RESTART_LIMIT',
  QUARANTINED: 'LEAN_WORKER_ERR_QUARANTINED',
  WORKER_UNAVAILABLE: 'LEAN_WORKER_ERR_WORKER_UNAVAILABLE',
  CAPABILITY_BUILD: 'LEAN_WORKER_ERR_CAPABILITY_BUILD',
  BOOTSTRAP: 'LEAN_WORKER_ERR_BOOTSTRAP',
  EXPORT_NOT_DECLARED: 'LEAN_WORKER_ERR_EXPORT_NOT_DECLARED',
  PLAN: 'LEAN_WORKER_ERR_PLAN',
  CLUSTER_UNAVAILABLE: 'LEAN_WORKER_ERR_CLUSTER_UNAVAILABLE',
  NODE_LOST: 'LEAN_WORKER_ERR_NODE_LOST',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** An error as plain, structured-cloneable data: what crosses a MessagePort. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  /** Typed facts of the failure class (exit code, limits, stream/sequence, ...). */
  readonly facts?: Readonly<Record<string, unknown>>;
  /** A nested cause, already flattened to data. */
  readonly cause?: WireError | { readonly name: string; readonly message: string };
}

/** A thrown value other than a library error as cause data: its name and message. */
export function causeData(cause: unknown): { readonly name: string; readonly message: string } {
  return cause instanceof Error
    ? { name: cause.name, message: cause.message }
    : { name: 'Error', message: String(cause) };
}
