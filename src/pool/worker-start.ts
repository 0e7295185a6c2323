/**
 * A cold worker for one session key: resolve the source, start the worker through the pool's
 * `StartFn` (the seam: production starts a supervisor thread and its child, tests start fake
 * workers without processes) under the key's effective policy, open the session (imports, metadata expectation),
 * take the first memory sample and learn the key's cost. On any failure the half-started worker
 * is killed before the error propagates; a failed start counts toward the key's quarantine, except
 * one that says this process needs an init (`init_required`).
 */
import { ErrorCode } from '../protocol/error-codes.js';
import { type EffectivePolicy, effectivePolicy, restartIntensity } from '../protocol/worker-policy.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import type { SupervisorConfig } from '../worker/supervisor-handle.js';
import type { MemoryPolicy } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import type { Quarantine } from './quarantine.js';
import { openSession } from './session-open.js';
import { PoolWorker, type WorkerHandle } from './worker.js';

/**
 * Start a worker's first generation. A start that fails rejects with `SupervisorStartError`
 * carrying the public error; anything else it throws is passed on as it is.
 */
export type StartFn = (config: SupervisorConfig, options: ResolvedPoolOptions) => Promise<WorkerHandle>;

/**
 * The production start: a supervisor thread and its child. The supervisor machinery (worker
 * thread, comlink) loads with the first worker, not on import.
 */
export const startSupervisor: StartFn = async (config, options) => {
  const { SupervisorHandle } = await import('../worker/supervisor-handle.js');
  return SupervisorHandle.start(config, undefined, options.supervisorEntry);
};

export interface ColdStart {
  readonly key: string;
  readonly source: { resolve(): Promise<ResolvedWorker> };
  readonly options: ResolvedPoolOptions;
  readonly memory: MemoryPolicy;
  readonly start: StartFn;
  readonly onExhausted: (worker: PoolWorker) => void;
  /** Where failed starts are counted, against the key's restart intensity. */
  readonly quarantine: Quarantine;
}

/** Start a worker for `c.key`; it comes back leased to the caller. */
export async function startWorker(c: ColdStart): Promise<PoolWorker> {
  let policy: EffectivePolicy = effectivePolicy(c.options.policy, c.options.poolId, null);
  let handle: WorkerHandle | null = null;
  try {
    const resolved = await c.source.resolve();
    policy = effectivePolicy(c.options.policy, c.options.poolId, resolved.policy);
    handle = await c.start(
      {
        launch: { ...resolved.launch, hardMemoryLimitKib: policy.hardMemoryLimitKib ?? 0 },
        restart: restartIntensity(policy),
        relay: { initialCredit: c.options.rowBatchCredit, maxBatchItems: 256, maxBatchBytes: 64 * 1024 },
        maxJsonDepth: c.options.maxJsonDepth,
        nice: c.options.workerNice,
        schedIdle: c.options.workerSchedIdle,
        ...(c.options.workerCpus ? { cpus: c.options.workerCpus } : {}),
        ...(resolved.child ? { child: resolved.child } : {}),
      },
      c.options,
    );
    const worker = new PoolWorker(c.key, resolved, policy, handle, c.onExhausted);
    worker.state = 'leased';
    await openSession(worker);
    worker.lastSample = await handle.sample().catch(() => null);
    if (worker.lastSample) c.memory.learn(c.key, worker.lastSample);
    return worker;
  } catch (error) {
    if (handle) await handle.shutdown('kill').catch(() => {});
    const { SupervisorStartError } = await import('../worker/supervisor-handle.js');
    if (!(error instanceof SupervisorStartError)) throw error;
    // A process that needs an init to run children at all is not the key's fault.
    const initRequired = error.error.code === ErrorCode.SPAWN && error.error.facts.reason === 'init_required';
    if (!initRequired) c.quarantine.noteFailedStart(c.key, restartIntensity(policy), policy.quarantineMs);
    throw error.error;
  }
}
