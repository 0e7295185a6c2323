/**
 * One pool worker: a session key, the supervisor running its child, its state, the policy it runs
 * under and its last memory sample; its statistics are `stats`. The pool drives a supervisor only
 * through `WorkerHandle` (`SupervisorHandle` is one; tests drive fake ones). A worker never
 * leaves the pool module; callers see only leases and snapshots.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Request } from '../protocol/messages.js';
import {
  alreadyExited,
  type GenerationInfo,
  type MemorySample,
  type RequestOutcome,
  type ShutdownReport,
  type SupervisorEvent,
  type ValidationSchemas,
} from '../protocol/port-messages.js';
import { isReplOp, type ReplJob } from '../protocol/repl-work.js';
import type { AnySupervisorRequest } from '../protocol/thread-contract.js';
import type { EffectivePolicy } from '../protocol/worker-policy.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import { measureOf } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import { WorkerStats } from './worker-stats.js';

type Measure = ResolvedPoolOptions['memoryMeasure'];

/** What the pool asks of a started worker (`SupervisorHandle` is one). */
export interface WorkerHandle {
  /** The generation the running child belongs to. */
  readonly generation: number;
  readonly info: GenerationInfo | null;
  /** It can take no more work: shut down, its thread ended, or unreadable. */
  readonly unusable: boolean;
  readonly closed: boolean;
  onUnusable(listener: () => void): void;
  onEvent(listener: (event: SupervisorEvent) => void): () => void;
  keepProcessAlive(keep: boolean): void;
  request(spec: AnySupervisorRequest, port: MessagePort | null): Promise<RequestOutcome>;
  /** Resolves once a restart under way has started its replacement; rejects when that failed. */
  whenReady(): Promise<void>;
  cancel(id: number, reason?: string): void;
  cycle(reason: string): Promise<GenerationInfo>;
  sample(withPss?: boolean): Promise<MemorySample>;
  killNow(): void;
  shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport>;
}

export type WorkerState = 'idle' | 'leased' | 'closing' | 'closed';

export class PoolWorker {
  readonly key: string;
  readonly resolved: ResolvedWorker;
  readonly handle: WorkerHandle;
  readonly policy: EffectivePolicy;
  readonly stats: WorkerStats;
  #state: WorkerState = 'idle';
  lastUsedAt = performance.now();
  /** When its current lease was granted; null while not leased. */
  leasedAt: number | null = null;
  /** The generation whose session is open (opened by the pool); -1 before the first open. */
  sessionGeneration = -1;
  lastSample: MemorySample | null = null;
  /** Set when the supervisor stopped restarting (restart limit). */
  exhausted = false;
  /** Started in the background (a spare or a replacement) and not leased yet. */
  spare = false;
  /** A replacement for it is starting or started: it is retired once idle and replaced. */
  replaced = false;

  constructor(
    key: string,
    resolved: ResolvedWorker,
    policy: EffectivePolicy,
    handle: WorkerHandle,
    onExhausted: (worker: PoolWorker) => void,
  ) {
    this.key = key;
    this.resolved = resolved;
    this.policy = policy;
    this.handle = handle;
    this.stats = new WorkerStats(key, policy.poolId, handle.generation, handle.info, () => {
      this.exhausted = true;
      onExhausted(this);
    });
    handle.keepProcessAlive(false);
    handle.onEvent((event) => this.stats.onEvent(event));
  }

  get generation(): number {
    return this.handle.generation;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /** An idle worker does not keep the process alive; a leased or closing one does. */
  set state(state: WorkerState) {
    this.#state = state;
    this.handle.keepProcessAlive(state !== 'idle');
  }

  /** Whether a lease may be granted on it: restarts not exhausted, its supervisor usable. */
  get usable(): boolean {
    return !this.exhausted && !this.handle.unusable;
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
    const generation = this.generation;
    const first = this.stats.noteRequest(generation, request.op, stream);
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
      this.stats.noteOutcome(o, stream, performance.now() - started, first);
      return o;
    });
    return { port: channel?.port1 ?? null, outcome };
  }

  /**
   * Whether a lease could run on it now with no wait: no restart under way and no policy reason
   * to cycle it first.
   */
  ready(measure: Measure): boolean {
    return !this.stats.restarting && this.policyReason(measure) === null;
  }

  /** Replace the child; the new generation invalidates leases of the old one. */
  async cycle(reason: string): Promise<void> {
    this.stats.lastRestartReason = reason;
    await this.handle.cycle(reason);
    this.lastSample = await this.handle.sample().catch(() => null);
  }

  /**
   * Why the worker should be cycled before more work, or null: it sat idle past its limit (only
   * asked before a lease), or its generation is used up (requests, imports, memory ceiling).
   */
  policyReason(measure: Measure, idle = false): string | null {
    const p = this.policy;
    const s = this.stats;
    if (idle && p.idleCycleMs !== undefined && performance.now() - s.lastRequestEndAt >= p.idleCycleMs)
      return 'idle';
    if (p.maxRequests !== undefined && s.requestsThisGeneration >= p.maxRequests) return 'max_requests';
    if (p.maxImports !== undefined && s.importsOn(this.generation) > p.maxImports) return 'max_imports';
    const sample = this.lastSample;
    if (
      p.memoryCeilingKib !== undefined &&
      sample?.available &&
      measureOf(sample, measure) >= p.memoryCeilingKib
    )
      return 'memory_ceiling';
    return null;
  }

  /** Figures of a memory-ceiling decision. */
  memoryFacts(measure: Measure) {
    const s = this.lastSample;
    return { currentKib: s ? measureOf(s, measure) : null, limitKib: this.policy.memoryCeilingKib, measure };
  }

  /** Take a fresh memory sample of the child tree (background sampler; never on the request path). */
  async refreshSample(withPss: boolean): Promise<void> {
    try {
      const s = await this.handle.sample(withPss);
      this.lastSample = s;
      if (!s.available) this.stats.counters.memorySamplesUnavailable += 1;
    } catch {
      // the supervisor thread is gone; the worker is being retired
    }
  }

  /** Shut the child down and end the worker; a supervisor gone already reports `already_exited`. */
  async shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport> {
    const report = await this.handle.shutdown(mode).catch(() => alreadyExited());
    this.state = 'closed';
    this.stats.settleReplacements();
    return report;
  }
}
