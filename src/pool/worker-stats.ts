/**
 * A worker's statistics: its counters (they survive its restarts and join the pool's retired
 * totals when it leaves), the figures of its last start, session open and commands, and the
 * per-generation counts its policy reads. Supervisor events are counted and translated to
 * channels in one table (`#TRANSLATE`).
 */
import { ErrorCode } from '../protocol/error-codes.js';
import type { GenerationInfo, RequestOutcome, SupervisorEvent } from '../protocol/port-messages.js';
import { emptyCounters, type WorkerCounters } from './counters.js';
import { listening, publish } from './events.js';

type EventType = SupervisorEvent['type'];
type EventOf<T extends EventType> = Extract<SupervisorEvent, { readonly type: T }>;
type Translation = { readonly [T in EventType]: (event: EventOf<T>, stats: WorkerStats) => void };

const RESTART_COUNTER: Readonly<Record<string, keyof WorkerCounters>> = {
  timeout: 'timeoutRestarts',
  cancelled: 'cancelledRestarts',
  child_crash: 'crashRestarts',
  child_exit: 'crashRestarts',
  protocol: 'protocolRestarts',
  memory_limit: 'memoryRestarts',
  memory_ceiling: 'memoryRestarts',
  max_requests: 'maxRequestRestarts',
  max_imports: 'maxImportRestarts',
  idle: 'idleRestarts',
  explicit: 'explicitCycles',
};

/** Restart reasons chosen by the pool's policy (as opposed to failures). */
const POLICY_REASONS = new Set(['memory_ceiling', 'max_requests', 'max_imports', 'idle']);

export class WorkerStats {
  readonly counters: WorkerCounters = emptyCounters();
  readonly key: string;
  readonly #poolId: string;
  workerVersion: string;
  lastRestartReason: string | null = null;
  lastImportStats: unknown = null;
  lastSpawnHandshakeMs: number | null;
  lastSessionOpenMs: number | null = null;
  lastFirstCommandMs: number | null = null;
  lastWarmCommandMs: number | null = null;
  /** End of the last request (idle time is measured from here). */
  lastRequestEndAt = performance.now();
  requestsThisGeneration = 0;
  #generationSeen: number;
  /** Imports counted on one generation (`noteImport`). */
  #imports = { generation: -1, count: 0 };
  readonly #onRestartLimit: () => void;

  /** `onRestartLimit` runs when the supervisor stops restarting the worker. */
  constructor(
    key: string,
    poolId: string,
    generation: number,
    info: GenerationInfo | null,
    onRestartLimit: () => void,
  ) {
    this.key = key;
    this.#poolId = poolId;
    this.#generationSeen = generation;
    this.workerVersion = info?.workerVersion ?? 'unknown';
    this.lastSpawnHandshakeMs = info?.spawnHandshakeMs ?? null;
    this.#onRestartLimit = onRestartLimit;
    publish('generation-started', poolId, key, {
      generation,
      reason: 'initial',
      workerVersion: this.workerVersion,
    });
  }

  /** Imports (session opens the child did not answer as a reuse) on `generation`. */
  importsOn(generation: number): number {
    return this.#imports.generation === generation ? this.#imports.count : 0;
  }

  /**
   * Count one import-like request (an `open_host_session`) sent on `generation`: `reused` when
   * the child answered that it still held the session (no import, nothing counted), `opened`
   * when it imported, `failed` when the open failed (an attempt, not an import).
   */
  noteImport(generation: number, result: 'opened' | 'reused' | 'failed'): void {
    if (result === 'reused') return;
    this.counters.importLikeRequests += 1;
    if (result === 'failed') return;
    this.counters.imports += 1;
    if (this.#imports.generation !== generation) this.#imports = { generation, count: 0 };
    this.#imports.count += 1;
  }

  /** Count a request about to be sent on `generation`; true when it is the worker's first. */
  noteRequest(generation: number, operation: string, stream: boolean): boolean {
    const first = this.counters.requests === 0;
    this.counters.requests += 1;
    this.requestsThisGeneration += 1;
    if (stream) this.counters.streamRequests += 1;
    if (listening('request-admitted')) {
      publish('request-admitted', this.#poolId, this.key, { generation, operation });
    }
    return first;
  }

  /** Count one request's outcome and publish it. */
  noteOutcome(o: RequestOutcome, stream: boolean, elapsedMs: number, first: boolean): void {
    const c = this.counters;
    this.lastRequestEndAt = performance.now();
    c.dataRowsDelivered += o.stats.rowsDelivered;
    c.dataRowPayloadBytes += o.stats.payloadBytes;
    c.backpressureWaits += o.stats.backpressureWaits;
    if (first) this.lastFirstCommandMs = elapsedMs;
    else this.lastWarmCommandMs = elapsedMs;
    if (stream) {
      c.streamElapsedMs += o.stats.elapsedMs;
      if (o.ok) c.streamSuccesses += 1;
      else {
        c.streamFailures += 1;
        if (o.stats.backpressureWaits > 0) c.backpressureFailures += 1;
      }
    }
    const facts = { generation: o.generation, ok: o.ok, elapsedMs };
    publish('terminal-outcome', this.#poolId, this.key, o.ok ? facts : { ...facts, code: o.error.code });
    if (!o.ok && o.error.code === ErrorCode.TIMEOUT)
      publish('timeout', this.#poolId, this.key, { ...facts, ...o.error.facts });
    // The child lost its session and the supervisor reopened it before running the command.
    if (o.stats.sessionReopened) this.noteImport(o.generation, 'opened');
  }

  /** A stream the supervisor counted a success failed where it was consumed (a row, the summary). */
  noteConsumerFailure(): void {
    this.counters.streamSuccesses -= 1;
    this.counters.streamFailures += 1;
  }

  /** Whether the supervisor is replacing the child now (a restart begun, not yet settled). */
  get restarting(): boolean {
    const c = this.counters;
    return c.replacementAttempts > c.replacementSuccesses + c.replacementFailures + c.replacementAbandoned;
  }

  /** The worker is gone: a replacement still under way when it left counts as abandoned. */
  settleReplacements(): void {
    const c = this.counters;
    const open =
      c.replacementAttempts - c.replacementSuccesses - c.replacementFailures - c.replacementAbandoned;
    if (open > 0) c.replacementAbandoned += open;
  }

  /** Count a supervisor event and publish it on its channel. */
  onEvent(event: SupervisorEvent): void {
    WorkerStats.#translate(event.type, event, this);
  }

  static #translate<T extends EventType>(type: T, event: EventOf<T>, stats: WorkerStats): void {
    WorkerStats.#TRANSLATE[type](event, stats);
  }

  /** What each supervisor event counts, and the channel it is published on. */
  static readonly #TRANSLATE: Translation = {
    spawned: () => {},
    start_reaped: () => {},
    generation_started: (e, s) => {
      if (e.info.generation > s.#generationSeen) {
        s.#generationSeen = e.info.generation;
        s.requestsThisGeneration = 0;
        s.counters.replacementSuccesses += 1;
      }
      s.lastSpawnHandshakeMs = e.info.spawnHandshakeMs;
      s.workerVersion = e.info.workerVersion;
      const { generation, workerVersion } = e.info;
      publish('generation-started', s.#poolId, s.key, { generation, reason: e.reason, workerVersion });
    },
    restart: (e, s) => {
      s.counters.workerRestarts += 1;
      s.counters.replacementAttempts += 1;
      const counter = RESTART_COUNTER[e.reason];
      if (counter) s.counters[counter] += 1;
      if (POLICY_REASONS.has(e.reason)) s.counters.policyRestarts += 1;
      s.lastRestartReason = e.reason;
      const { generation, reason, delayMs } = e;
      publish('restart', s.#poolId, s.key, { generation, reason, delayMs });
    },
    restart_failed: (e, s) => {
      s.counters.replacementFailures += 1;
      publish('crash', s.#poolId, s.key, { generation: e.generation, code: e.error.code, phase: 'restart' });
    },
    restart_limit: (e, s) => {
      publish('restart-limit', s.#poolId, s.key, { restarts: e.restarts, windowMs: e.windowMs });
      s.#onRestartLimit();
    },
    child_exited: (e, s) => {
      if (e.exit.success && !e.inFlight) return;
      publish('crash', s.#poolId, s.key, {
        generation: e.generation,
        exitCode: e.exit.code,
        signal: e.exit.signal,
        inFlight: e.inFlight,
      });
    },
    backpressure: (e, s) => publish('backpressure', s.#poolId, s.key, { waits: e.waits }),
    kill: (e, s) => publish('kill', s.#poolId, s.key, { generation: e.generation, reason: e.reason }),
    reap: (e, s) =>
      publish('reap', s.#poolId, s.key, {
        generation: e.generation,
        exitCode: e.exit.code,
        signal: e.exit.signal,
      }),
    protocol_violation: (e, s) =>
      publish('protocol-violation', s.#poolId, s.key, { generation: e.generation, code: e.error.code }),
  };
}
