/**
 * One pool entry: a session key, the supervisor running its child, its state, its counters and
 * its last memory sample. The entry never leaves the pool module; callers see only leases and
 * snapshots.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { ErrorCode } from '../protocol/error-codes.js';
import type { Request } from '../protocol/messages.js';
import type {
  MemorySample,
  RequestOutcome,
  SupervisorEvent,
  ValidationSchemas,
} from '../protocol/port-messages.js';
import { isReplOp, type ReplJob } from '../protocol/repl-work.js';
import type { AnySupervisorRequest } from '../protocol/thread-contract.js';
import type { EffectivePolicy } from '../protocol/worker-policy.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import type { SupervisorHandle } from '../worker/supervisor-handle.js';
import { emptyCounters, type WorkerCounters } from './counters.js';
import { listening, publish } from './events.js';
import { measureOf } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';

type Measure = ResolvedPoolOptions['memoryMeasure'];

export type EntryState = 'starting' | 'idle' | 'leased' | 'closing' | 'closed';

const RESTART_COUNTER: Record<string, keyof WorkerCounters> = {
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
export const POLICY_REASONS = new Set(['memory_ceiling', 'max_requests', 'max_imports', 'idle']);

export class PoolEntry {
  readonly key: string;
  readonly resolved: ResolvedWorker;
  readonly handle: SupervisorHandle;
  readonly policy: EffectivePolicy;
  readonly counters: WorkerCounters = emptyCounters();
  readonly createdAt = performance.now();
  #state: EntryState = 'idle';
  lastUsedAt = performance.now();
  /** End of the last request (idle time is measured from here). */
  lastRequestEndAt = performance.now();
  requestsThisGeneration = 0;
  /** The generation whose session is open (opened by the pool); -1 before the first open. */
  sessionGeneration = -1;
  lastSample: MemorySample | null = null;
  peakPrivateKib = 0;
  lastRestartReason: string | null = null;
  lastImportStats: unknown = null;
  lastSpawnHandshakeMs: number | null = null;
  lastSessionOpenMs: number | null = null;
  lastFirstCommandMs: number | null = null;
  lastWarmCommandMs: number | null = null;
  workerVersion: string;
  /** Set when the supervisor stopped restarting (restart limit). */
  exhausted = false;
  #generationSeen: number;
  /** Imports counted on one generation (`noteImport`). */
  #imports = { generation: -1, count: 0 };

  constructor(
    key: string,
    resolved: ResolvedWorker,
    policy: EffectivePolicy,
    handle: SupervisorHandle,
    onExhausted: (e: PoolEntry) => void,
  ) {
    this.key = key;
    this.resolved = resolved;
    this.policy = policy;
    this.handle = handle;
    this.workerVersion = handle.info?.workerVersion ?? 'unknown';
    this.lastSpawnHandshakeMs = handle.info?.spawnHandshakeMs ?? null;
    this.#generationSeen = handle.generation;
    handle.keepProcessAlive(false);
    handle.onEvent((event) => this.#onEvent(event, onExhausted));
    publish('generation-started', this.policy.poolId, {
      key,
      generation: handle.generation,
      reason: 'initial',
      workerVersion: this.workerVersion,
    });
  }

  get generation(): number {
    return this.handle.generation;
  }

  get state(): EntryState {
    return this.#state;
  }

  /** An idle worker does not keep the process alive; a leased or closing one does. */
  set state(state: EntryState) {
    this.#state = state;
    this.handle.keepProcessAlive(state !== 'idle');
  }

  /** Imports (session opens the child did not answer as a reuse) on the current generation. */
  get importsThisGeneration(): number {
    return this.#imports.generation === this.generation ? this.#imports.count : 0;
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

  /** Send one request to the child; a stream gets a fresh row port. */
  startRequest(
    id: number,
    request: Request | ReplJob,
    options: {
      timeoutMs: number;
      idleTimeoutMs?: number | undefined;
      schemas?: ValidationSchemas | undefined;
    },
    stream: boolean,
  ): { port: MessagePort | null; outcome: Promise<RequestOutcome> } {
    const channel = stream ? new MessageChannel() : null;
    const started = performance.now();
    const first = this.counters.requests === 0;
    this.counters.requests += 1;
    this.requestsThisGeneration += 1;
    if (stream) this.counters.streamRequests += 1;
    const generation = this.generation;
    if (listening('request-admitted')) {
      publish('request-admitted', this.policy.poolId, { key: this.key, generation, operation: request.op });
    }
    const { timeoutMs } = options;
    const idleTimeoutMs = options.idleTimeoutMs ?? 0;
    const spec: AnySupervisorRequest = isReplOp(request.op)
      ? { id, generation, request: request as ReplJob, timeoutMs, idleTimeoutMs }
      : {
          id,
          generation,
          request: request as Request,
          timeoutMs,
          idleTimeoutMs,
          session: this.resolved.session,
          ...(options.schemas ? { schemas: options.schemas } : {}),
        };
    const outcome = this.handle.request(spec, channel?.port2 ?? null).then((o) => {
      this.#recordOutcome(o, stream, performance.now() - started, first);
      return o;
    });
    return { port: channel?.port1 ?? null, outcome };
  }

  /** Count one request's outcome and publish it. */
  #recordOutcome(o: RequestOutcome, stream: boolean, elapsedMs: number, first: boolean): void {
    this.lastRequestEndAt = performance.now();
    this.counters.dataRowsDelivered += o.stats.rowsDelivered;
    this.counters.dataRowPayloadBytes += o.stats.payloadBytes;
    this.counters.backpressureWaits += o.stats.backpressureWaits;
    if (first) this.lastFirstCommandMs = elapsedMs;
    else this.lastWarmCommandMs = elapsedMs;
    if (stream) {
      this.counters.streamElapsedMs += o.stats.elapsedMs;
      if (o.ok) this.counters.streamSuccesses += 1;
      else {
        this.counters.streamFailures += 1;
        if (o.stats.backpressureWaits > 0) this.counters.backpressureFailures += 1;
      }
    }
    const facts = { key: this.key, generation: o.generation, ok: o.ok, elapsedMs };
    publish('terminal-outcome', this.policy.poolId, o.ok ? facts : { ...facts, code: o.error.code });
    if (!o.ok && o.error.code === ErrorCode.TIMEOUT)
      publish('timeout', this.policy.poolId, { ...facts, ...o.error.facts });
    // The child lost its session and the supervisor reopened it before running the command.
    if (o.stats.sessionReopened) this.noteImport(o.generation, 'opened');
  }

  /** The worker is gone: a replacement still under way when it left counts as abandoned. */
  settleReplacements(): void {
    const c = this.counters;
    const open =
      c.replacementAttempts - c.replacementSuccesses - c.replacementFailures - c.replacementAbandoned;
    if (open > 0) c.replacementAbandoned += open;
  }

  /** Why the policy wants this worker cycled before more work, or null. */
  policyReason(measure: Measure): string | null {
    const p = this.policy;
    if (p.maxRequests !== undefined && this.requestsThisGeneration >= p.maxRequests) return 'max_requests';
    if (p.maxImports !== undefined && this.importsThisGeneration > p.maxImports) return 'max_imports';
    const sample = this.lastSample;
    if (
      p.memoryCeilingKib !== undefined &&
      sample?.available &&
      measureOf(sample, measure) >= p.memoryCeilingKib
    ) {
      return 'memory_ceiling';
    }
    return null;
  }

  /** Figures of a memory-ceiling decision. */
  memoryFacts(measure: Measure): Record<string, unknown> {
    const s = this.lastSample;
    return { currentKib: s ? measureOf(s, measure) : null, limitKib: this.policy.memoryCeilingKib, measure };
  }

  /** Take a fresh memory sample of the child tree (background sampler; never on the request path). */
  async refreshSample(withPss: boolean): Promise<void> {
    try {
      const s = await this.handle.sample(withPss);
      this.lastSample = s;
      if (!s.available) this.counters.memorySamplesUnavailable += 1;
      else this.peakPrivateKib = Math.max(this.peakPrivateKib, s.privateKib);
    } catch {
      // the supervisor thread is gone; the entry is being retired
    }
  }

  #onEvent(event: SupervisorEvent, onExhausted: (e: PoolEntry) => void): void {
    const facts = { key: this.key };
    switch (event.type) {
      case 'generation_started':
        if (event.info.generation > this.#generationSeen) {
          this.#generationSeen = event.info.generation;
          this.requestsThisGeneration = 0;
          this.counters.replacementSuccesses += 1;
        }
        this.lastSpawnHandshakeMs = event.info.spawnHandshakeMs;
        this.workerVersion = event.info.workerVersion;
        publish('generation-started', this.policy.poolId, {
          ...facts,
          generation: event.info.generation,
          reason: event.reason,
          workerVersion: event.info.workerVersion,
        });
        return;
      case 'restart': {
        this.counters.workerRestarts += 1;
        this.counters.replacementAttempts += 1;
        const counter = RESTART_COUNTER[event.reason];
        if (counter) this.counters[counter] += 1;
        if (POLICY_REASONS.has(event.reason)) this.counters.policyRestarts += 1;
        this.lastRestartReason = event.reason;
        publish('restart', this.policy.poolId, {
          ...facts,
          generation: event.generation,
          reason: event.reason,
          delayMs: event.delayMs,
        });
        return;
      }
      case 'restart_failed':
        this.counters.replacementFailures += 1;
        publish('crash', this.policy.poolId, {
          ...facts,
          generation: event.generation,
          code: event.error.code,
          phase: 'restart',
        });
        return;
      case 'restart_limit':
        this.exhausted = true;
        publish('restart-limit', this.policy.poolId, {
          ...facts,
          restarts: event.restarts,
          windowMs: event.windowMs,
        });
        onExhausted(this);
        return;
      case 'child_exited':
        if (!event.exit.success || event.inFlight) {
          publish('crash', this.policy.poolId, {
            ...facts,
            generation: event.generation,
            exitCode: event.exit.code,
            signal: event.exit.signal,
            inFlight: event.inFlight,
          });
        }
        return;
      case 'backpressure':
        publish('backpressure', this.policy.poolId, { ...facts, waits: event.waits });
        return;
      case 'kill':
        publish('kill', this.policy.poolId, { ...facts, generation: event.generation, reason: event.reason });
        return;
      case 'reap':
        publish('reap', this.policy.poolId, {
          ...facts,
          generation: event.generation,
          exitCode: event.exit.code,
          signal: event.exit.signal,
        });
        return;
      case 'protocol_violation':
        publish('protocol-violation', this.policy.poolId, {
          ...facts,
          generation: event.generation,
          code: event.error.code,
        });
        return;
    }
  }
}
