/**
 * lean-worker-pool: pools of supervised Lean 4 worker processes for Node.
 *
 * planner -> pool -> session lease -> typed command -> live rows -> terminal summary -> pool stats
 *
 * The public API, named one by one. The child side of the protocol is `lean-worker-pool/child`.
 */
export { LeanWorkerCapabilityBuilder } from './capability/builder.js';
export type { CapabilityBuilderOptions as LeanWorkerCapabilityBuilderOptions } from './capability/options.js';
export type { LeanWorkerCommandOptions } from './command-options.js';
export {
  defineJsonCommand,
  defineStreamingCommand,
  type LeanWorkerJsonCommand,
  type LeanWorkerStreamingCommand,
} from './commands.js';
export type * from './error-facts.js';
export {
  AbortError,
  type AnyLeanWorkerError,
  BootstrapError,
  CapabilityBuildError,
  CapabilityMalformedError,
  ChildCrashError,
  ChildExitError,
  ClusterUnavailableError,
  CommandSchemaError,
  ConsumerError,
  ErrorCode,
  type ErrorCodeName,
  type ErrorOf,
  ExportNotDeclaredError,
  FrameTooLargeError,
  HandshakeError,
  InvalidArgumentError,
  InvalidOptionsError,
  LeanWorkerError,
  LeaseBusyError,
  LeaseInvalidatedError,
  MemoryBudgetError,
  MemoryLimitError,
  MetadataMismatchError,
  NodeLostError,
  PlanError,
  PoolClosedError,
  PoolExhaustedError,
  ProtocolError,
  QuarantinedError,
  QueueFullError,
  QueueTimeoutError,
  RestartLimitError,
  SpawnError,
  StreamCallbackFailedError,
  StreamExportFailedError,
  StreamRowMalformedError,
  TimeoutError,
  WorkerError,
} from './errors.js';
export { type LeanWorkerLease, LeanWorkerSessionLease } from './lease.js';
export type { LeanWorkerModuleWork, LeanWorkerPlannedBatch } from './planner/batch.js';
export type { ImportPlanConfig } from './planner/config.js';
export { LeanWorkerImportPlanner } from './planner/planner.js';
export {
  checkNodeRuntime,
  type NodeRuntime,
  nodeRuntime,
  nodeWorker,
  type RuntimeHost,
} from './platform/node-runtime.js';
export { MAX_TRACKED_KEYS } from './pool/bounded-map.js';
export {
  channelName,
  POOL_EVENT_NAMES,
  type PoolEventBase,
  type PoolEventName,
  type PoolEventPayload,
  type PoolEventPayloads,
} from './pool/events.js';
export {
  DEFAULT_MAX_QUEUED_ACQUIRES,
  DEFAULT_MAX_WAITER_BYPASSES,
  DEFAULT_MAX_WORKERS,
  DEFAULT_MEMORY_SAMPLE_INTERVAL_MS,
  DEFAULT_QUEUE_WAIT_TIMEOUT_MS,
  DEFAULT_ROW_BATCH_CREDIT,
  DEFAULT_SYSTEM_MEMORY_RESERVE_KIB,
  type LeanWorkerPoolOptions,
} from './pool/options.js';
export {
  type AcquireLeaseOptions,
  type AnyLeanWorkerSource,
  type LeanWorkerLeaseFor,
  LeanWorkerPool,
  type LeanWorkerPoolCloseReport,
  type LeanWorkerSource,
} from './pool/pool.js';
export type { LeanWorkerPoolSnapshot, LeaseSnapshot } from './pool/snapshot.js';
export {
  DEFAULT_FRAME_BYTES,
  DEFAULT_IMPORT_TIMEOUT_MS,
  MAX_FRAME_BYTES_HARD_CAP,
  MAX_TIMER_MS,
  MIN_FRAME_BYTES,
  PROTOCOL_VERSION,
} from './protocol/constants.js';
export { DEFAULT_MAX_JSON_DEPTH, MAX_JSON_DEPTH_LIMIT } from './protocol/json-depth.js';
export type {
  DiagnosticItem,
  LeanWorkerDataRow,
  MemorySample,
  ProgressItem,
  ShutdownReport,
  StreamSummaryData,
} from './protocol/port-messages.js';
export {
  REPL_STREAMS,
  type ReplMessageRow,
  type ReplSorryRow,
  type ReplSummaryMetadata,
} from './protocol/repl-rows.js';
export {
  DEFAULT_MAX_RESTARTS,
  DEFAULT_QUARANTINE_MS,
  DEFAULT_RESTART_BACKOFF_BASE_MS,
  DEFAULT_RESTART_BACKOFF_MAX_MS,
  DEFAULT_RESTART_WINDOW_MS,
  type PoolPolicy,
  type WorkerPolicy,
} from './protocol/worker-policy.js';
export {
  DEFAULT_REPL_COMMAND,
  LeanReplBuilder,
  type LeanReplBuilderOptions,
  type LeanReplSource,
} from './repl/builder.js';
export { LeanReplLease, type ReplRowPayload } from './repl/lease.js';
export { type ReplSnippetSplit, sessionKeyOf, splitSnippet } from './repl/snippet.js';
export {
  consumeRowPort,
  LeanWorkerStream,
  type LeanWorkerStreamSummary,
} from './stream/lean-worker-stream.js';
export type { RowConsumerOptions } from './stream/row-consumer.js';
