/**
 * The facts each error class carries (`error.facts`). Every field is optional because one class
 * covers several codes and places of failure; a fact that is present has the type given here.
 * Facts are plain data (they cross threads), so each object stays open to further keys.
 */

/** Facts any error may carry. */
export interface BaseFacts {
  readonly [fact: string]: unknown;
}

/** `INVALID_OPTIONS`: which options failed and how. */
export interface InvalidOptionsFacts extends BaseFacts {
  readonly issues?: readonly { readonly path: string; readonly code?: string; readonly message: string }[];
}

/** `INVALID_ARGUMENT`: the argument refused and what was received. */
export interface InvalidArgumentFacts extends BaseFacts {
  readonly argument?: string;
  readonly received?: string;
  readonly export?: string | null;
  readonly reason?: string;
}

/** `CHILD_EXIT`, `CHILD_CRASH`, `SPAWN`, `HANDSHAKE`, `WORKER_UNAVAILABLE`: how the child ended. */
export interface ChildFacts extends BaseFacts {
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  /** The last bytes the child wrote to stderr. */
  readonly stderrTail?: string;
  readonly requestInFlight?: boolean;
  readonly operation?: string;
  readonly phase?: string;
  readonly reason?: string;
  /** `SPAWN`: the command and the system's error code (`ENOENT`, `EACCES`, ...). */
  readonly command?: string;
  readonly errno?: string | null;
  readonly syscall?: string | null;
  /** `SPAWN` with reason `thread_entry_missing`: the supervisor thread entry that could not load. */
  readonly entry?: string;
}

/** `PROTOCOL`: what broke the wire protocol. */
export interface ProtocolFacts extends BaseFacts {
  readonly reason?: string;
  /** The offending bytes, as text (e.g. what a child printed to stdout). */
  readonly excerpt?: string;
  readonly bytes?: number;
  readonly messageType?: string;
}

/** `FRAME_TOO_LARGE`: the declared length against the cap. */
export interface FrameTooLargeFacts extends BaseFacts {
  readonly declaredBytes?: number;
  readonly maxResponseBytes?: number;
  readonly bufferedBytes?: number;
}

/** `TIMEOUT`: which deadline passed. */
export interface TimeoutFacts extends BaseFacts {
  readonly kind?: string;
  readonly timeoutMs?: number;
  readonly operation?: string;
}

/** `ABORTED`: what the abort reached. */
export interface AbortFacts extends BaseFacts {
  /** Where the abort found the acquire or request (`before_queue`, `queued`, `starting`, `before_send`, ...). */
  readonly reason?: string;
  readonly waitedMs?: number;
  /** Whether the request had been sent to the child. */
  readonly sent?: boolean;
  readonly workEnteredChild?: boolean;
}

/** `WORKER`: the child's own error. */
export interface WorkerFacts extends BaseFacts {
  readonly workerCode?: string;
  readonly workerMessage?: string;
  readonly export?: string;
}

/** `STREAM_EXPORT_FAILED`, `STREAM_CALLBACK_FAILED`, `STREAM_ROW_MALFORMED`. */
export interface StreamFacts extends BaseFacts {
  readonly export?: string;
  readonly status?: number;
  readonly stream?: string;
  readonly sequence?: number;
}

/** `METADATA_MISMATCH`, `METADATA_MALFORMED`, `DOCTOR_MALFORMED`. */
export interface MetadataFacts extends BaseFacts {
  readonly export?: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
}

/** `REQUEST_ENCODE`, `RESPONSE_DECODE`, `ROW_DECODE`, `SUMMARY_DECODE`: where the schema failed. */
export interface CommandSchemaFacts extends BaseFacts {
  readonly export?: string;
  /** zod's description of the mismatch. */
  readonly issues?: string | readonly string[];
  readonly stream?: string;
  readonly sequence?: number;
}

/** `CONSUMER`: which callback threw. */
export type ConsumerFacts = BaseFacts & { readonly callback?: string };

/** `LEASE_INVALIDATED`, `LEASE_RELEASED`; a memory-ceiling cycle adds its figures. */
export interface LeaseFacts extends BaseFacts {
  readonly reason?: string;
  readonly grantedGeneration?: number;
  readonly currentGeneration?: number;
  readonly currentKib?: number | null;
  readonly limitKib?: number;
  readonly measure?: string;
}

/** `LEASE_BUSY`: a request is in flight on the lease (or its worker). */
export interface LeaseBusyFacts extends BaseFacts {}

/**
 * Why an acquire waited or could not be served at once (admission's last reason): `workers`
 * (every slot busy), `memory` (no room in the budget or reserve), `reaping` (evicted children not
 * reaped yet), `same_key` (a busy worker of its key was expected sooner than a cold open),
 * `spare_starting` (a spare of its key was starting), `unknown_cost` (another start of unknown
 * cost was under way), `evicting_start` (its start would evict and `maxEvictingStarts` starts
 * were under way), `busy_victim` (its start waited for the release of a busy worker the `cost`
 * policy evicts before any idle one), `quarantine` (its key was quarantined while it waited).
 */
export interface AdmissionWaitFacts extends BaseFacts {
  readonly waitedFor?: string | null;
  /** The `client` the acquire named, if any. */
  readonly client?: string;
}

/** `QUEUE_TIMEOUT`. */
export interface QueueTimeoutFacts extends AdmissionWaitFacts {
  readonly timeoutMs?: number;
  readonly queueWaitMs?: number;
  readonly queueDepth?: number;
}

/** `QUEUE_FULL`. */
export type QueueFullFacts = AdmissionWaitFacts & { readonly maxQueuedAcquires?: number };

/** `POOL_EXHAUSTED`. */
export type PoolExhaustedFacts = AdmissionWaitFacts & { readonly maxWorkers?: number };

/** `MEMORY_BUDGET`: the figures behind the refusal, in KiB (`limitKib` null: no pool budget). */
export interface MemoryBudgetFacts extends AdmissionWaitFacts {
  readonly measure?: string;
  readonly currentKib?: number;
  readonly predictedKib?: number;
  readonly limitKib?: number | null;
  readonly samplesUnavailable?: number;
  readonly systemHeadroomKib?: number | null;
  readonly systemReserveKib?: number | false;
}

/** `MEMORY_LIMIT`: the in-flight sample that passed the hard limit, in KiB. */
export interface MemoryLimitFacts extends BaseFacts {
  readonly operation?: string;
  readonly measure?: string;
  readonly currentKib?: number;
  readonly limitKib?: number;
  readonly rssKib?: number;
}

/** `RESTART_LIMIT`: the restarts counted within the window. */
export type RestartLimitFacts = BaseFacts & { readonly restarts?: number; readonly windowMs?: number };

/** `QUARANTINED`: when the key may be tried again. */
export type QuarantinedFacts = AdmissionWaitFacts & { readonly retryAfterMs?: number };

/** `CAPABILITY_BUILD`: the helper command that failed. */
export interface CapabilityBuildFacts extends BaseFacts {
  readonly command?: string;
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  readonly timedOut?: boolean;
  readonly spawnError?: string | null;
  readonly outputTail?: string;
}

/** `BOOTSTRAP`: the preflight check that failed. */
export interface BootstrapFacts extends BaseFacts {
  readonly bootstrapCode?: string;
  readonly subject?: string;
  readonly repairHint?: string;
}

/** `PLAN`: what the planner could not resolve. */
export interface PlanFacts extends BaseFacts {
  readonly kind?: string;
  readonly module?: string;
  readonly path?: string;
  readonly projectRoot?: string;
  readonly reason?: string;
}

/** `EXPORT_NOT_DECLARED`: the export and what the manifest says of it. */
export interface ExportNotDeclaredFacts extends BaseFacts {
  readonly export?: string;
  readonly op?: string;
  readonly manifestPath?: string | null;
  readonly declaredKind?: string | null;
}

/** `CLUSTER_UNAVAILABLE`, `NODE_LOST`: the cluster job and what happened to it. */
export interface ClusterFacts extends BaseFacts {
  readonly jobId?: string;
  readonly reason?: string;
  readonly attempts?: number;
  readonly node?: string | null;
}
