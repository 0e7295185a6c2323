/**
 * One pool entry: a session key, the supervisor running its child, its state, its counters and
 * its last memory sample. The entry never leaves the pool module; callers see only leases and
 * snapshots.
 */
import type { MemorySample, SupervisorEvent } from '../protocol/port-messages.js';
import type { SupervisorHandle } from '../worker/supervisor-handle.js';
import type { ResolvedWorker } from '../worker-spec.js';
import { emptyCounters, type WorkerCounters } from './counters.js';
import { publish } from './events.js';
import type { EffectivePolicy } from './options.js';

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
  state: EntryState = 'idle';
  lastUsedAt = performance.now();
  /** End of the last request (idle time is measured from here). */
  lastRequestEndAt = performance.now();
  requestsThisGeneration = 0;
  importsThisGeneration = 0;
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
    handle.onEvent((event) => this.#onEvent(event, onExhausted));
    publish('generation-started', { key, generation: handle.generation, reason: 'initial' });
  }

  get generation(): number {
    return this.handle.generation;
  }

  #onEvent(event: SupervisorEvent, onExhausted: (e: PoolEntry) => void): void {
    const facts = { key: this.key };
    switch (event.type) {
      case 'generation_started':
        if (event.info.generation > this.#generationSeen) {
          this.#generationSeen = event.info.generation;
          this.requestsThisGeneration = 0;
          this.importsThisGeneration = 0;
          this.counters.replacementSuccesses += 1;
        }
        this.lastSpawnHandshakeMs = event.info.spawnHandshakeMs;
        publish('generation-started', { ...facts, generation: event.info.generation, reason: event.reason });
        return;
      case 'restart': {
        this.counters.workerRestarts += 1;
        this.counters.replacementAttempts += 1;
        const counter = RESTART_COUNTER[event.reason];
        if (counter) this.counters[counter] += 1;
        if (POLICY_REASONS.has(event.reason)) this.counters.policyRestarts += 1;
        this.lastRestartReason = event.reason;
        publish('restart', {
          ...facts,
          generation: event.generation,
          reason: event.reason,
          delayMs: event.delayMs,
        });
        return;
      }
      case 'restart_failed':
        this.counters.replacementFailures += 1;
        publish('crash', {
          ...facts,
          generation: event.generation,
          code: event.error.code,
          phase: 'restart',
        });
        return;
      case 'restart_limit':
        this.exhausted = true;
        publish('restart-limit', { ...facts, restarts: event.restarts, windowMs: event.windowMs });
        onExhausted(this);
        return;
      case 'child_exited':
        if (!event.exit.success || event.inFlight) {
          publish('crash', {
            ...facts,
            generation: event.generation,
            exitCode: event.exit.code,
            signal: event.exit.signal,
            inFlight: event.inFlight,
          });
        }
        return;
      case 'backpressure':
        publish('backpressure', { ...facts, waits: event.waits });
        return;
      case 'kill':
        publish('kill', { ...facts, generation: event.generation, reason: event.reason });
        return;
      case 'reap':
        publish('reap', {
          ...facts,
          generation: event.generation,
          exitCode: event.exit.code,
          signal: event.exit.signal,
        });
        return;
      case 'protocol_violation':
        publish('protocol-violation', { ...facts, generation: event.generation, code: event.error.code });
        return;
    }
  }
}
