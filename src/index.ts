/**
 * lean-worker-pool: pools of supervised Lean 4 worker processes for Node.
 *
 * planner -> pool -> session lease -> typed command -> live rows -> terminal summary -> pool stats
 */
export { LeanWorkerCapabilityBuilder } from './capability/builder.js';
export {
  defineJsonCommand,
  defineStreamingCommand,
  type LeanWorkerJsonCommand,
  type LeanWorkerStreamingCommand,
} from './commands.js';
export * from './errors.js';
export { type LeanWorkerCommandOptions, LeanWorkerSessionLease, type ReplRowPayload } from './lease.js';
export { LeanWorkerImportPlanner } from './planner/planner.js';
export { MAX_TRACKED_KEYS } from './pool/bounded-map.js';
export { channelName, POOL_EVENT_NAMES, type PoolEventName } from './pool/events.js';
export * from './pool/options.js';
export {
  type AcquireLeaseOptions,
  LeanWorkerPool,
  type LeanWorkerPoolCloseReport,
  type LeanWorkerSource,
} from './pool/pool.js';
export type { LeanWorkerPoolSnapshot } from './pool/snapshot.js';
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
  DEFAULT_REPL_COMMAND,
  LeanReplBuilder,
  type LeanReplBuilderOptions,
  type LeanReplSource,
} from './repl/builder.js';
export {
  REPL_STREAMS,
  type ReplMessageRow,
  type ReplSorryRow,
  type ReplSummaryMetadata,
} from './repl/mapping.js';
export { type ReplSnippetSplit, sessionKeyOf, splitSnippet } from './repl/snippet.js';
export {
  consumeRowPort,
  LeanWorkerStream,
  type LeanWorkerStreamSummary,
} from './stream/lean-worker-stream.js';
export { RowPortConsumer } from './stream/row-consumer.js';
export { fixturePath } from './worker/paths.js';
