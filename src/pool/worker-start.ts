/**
 * A cold worker for one session key: resolve the source, start the supervisor thread and its
 * child under the key's effective policy, open the session (imports, metadata expectation),
 * take the first memory sample and learn the key's cost. On any failure the half-started worker
 * is killed before the error propagates; a failed start counts toward the key's quarantine, except
 * one that says this process needs an init (`init_required`).
 */

import { ErrorCode } from '../protocol/error-codes.js';
import type { SupervisorEvent } from '../protocol/port-messages.js';
import { type EffectivePolicy, effectivePolicy, restartIntensity } from '../protocol/worker-policy.js';
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import type { SupervisorConfig, SupervisorHandle } from '../worker/supervisor-handle.js';
import { PoolEntry } from './entry.js';
import type { MemoryPolicy } from './memory-policy.js';
import type { ResolvedPoolOptions } from './options.js';
import type { Quarantine } from './quarantine.js';
import { openSession } from './session-open.js';
import type { StartFailures } from './start-failures.js';

export type StartFn = (
  config: SupervisorConfig,
  onEvent: (e: SupervisorEvent) => void,
) => Promise<SupervisorHandle>;

export interface ColdStart {
  readonly key: string;
  readonly source: { resolve(): Promise<ResolvedWorker> };
  readonly options: ResolvedPoolOptions;
  readonly memory: MemoryPolicy;
  readonly start: StartFn;
  readonly onExhausted: (entry: PoolEntry) => void;
  /** Failed starts per key, judged against the key's restart intensity. */
  readonly failures: StartFailures;
  /** Where a key goes when its failed starts pass that intensity. */
  readonly quarantine: Quarantine;
}

/**
 * Start a worker for `c.key`; the entry comes back leased to the caller. A start that fails in
 * the supervisor rejects with its public error, after counting toward the key's quarantine under
 * the key's restart intensity.
 */
export async function startEntry(c: ColdStart): Promise<PoolEntry> {
  let policy: EffectivePolicy = effectivePolicy(c.options.policy, c.options.poolId, null);
  let handle: SupervisorHandle | null = null;
  try {
    const resolved = await c.source.resolve();
    policy = effectivePolicy(c.options.policy, c.options.poolId, resolved.policy);
    handle = await c.start(
      {
        launch: { ...resolved.launch, hardMemoryLimitKib: policy.hardMemoryLimitKib ?? 0 },
        restart: restartIntensity(policy),
        relay: { initialCredit: c.options.rowBatchCredit, maxBatchItems: 256, maxBatchBytes: 64 * 1024 },
        maxJsonDepth: c.options.maxJsonDepth,
        ...(resolved.child ? { child: resolved.child } : {}),
      },
      () => {},
    );
    const entry = new PoolEntry(c.key, resolved, policy, handle, c.onExhausted);
    entry.state = 'leased';
    await openSession(entry);
    entry.lastSample = await handle.sample().catch(() => null);
    if (entry.lastSample) c.memory.learn(c.key, entry.lastSample);
    return entry;
  } catch (error) {
    if (handle) await handle.shutdown('kill').catch(() => {});
    const { SupervisorStartError } = await import('../worker/supervisor-handle.js');
    if (!(error instanceof SupervisorStartError)) throw error;
    // A process that needs an init to run children at all is not the key's fault.
    const initRequired = error.error.code === ErrorCode.SPAWN && error.error.facts.reason === 'init_required';
    if (!initRequired && c.failures.note(c.key, restartIntensity(policy)))
      c.quarantine.add(c.key, policy.quarantineMs);
    throw error.error;
  }
}
