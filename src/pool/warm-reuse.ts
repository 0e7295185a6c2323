/**
 * Reuse of a warm worker: of the idle workers of the wanted key, the least recently used one is
 * taken. Before it is leased, wait out a restart in progress (the lease is granted on the
 * generation that replaces the dead one), then cycle the worker when it sat idle past
 * `idleCycleAfterMs` or a policy limit (requests, imports, memory ceiling) says its generation is
 * used up, so the command never runs on it. A generation the lease would be the first on (after
 * a crash, a timeout or a cycle) gets its session reopened and its metadata checked first.
 */
import type { PoolEntry } from './entry.js';
import type { ResolvedPoolOptions } from './options.js';
import { needsSession, openSession } from './session-open.js';

/** Make `entry` ready for a lease; rejects when its restart, its cycle or its session open failed. */
export async function readyForLease(
  entry: PoolEntry,
  measure: ResolvedPoolOptions['memoryMeasure'],
  cycle: (entry: PoolEntry, reason: string) => Promise<void>,
): Promise<void> {
  await entry.handle.whenReady();
  const idleFor = performance.now() - entry.lastRequestEndAt;
  const idleLimit = entry.policy.idleCycleMs;
  const reason = idleLimit !== undefined && idleFor >= idleLimit ? 'idle' : entry.policyReason(measure);
  if (reason) await cycle(entry, reason);
  if (needsSession(entry)) await openSession(entry);
}

/** The idle, usable entry of `key` that was used least recently. */
export function leastRecentIdle(entries: Iterable<PoolEntry>, key: string): PoolEntry | null {
  let best: PoolEntry | null = null;
  for (const e of entries) {
    if (e.state !== 'idle' || e.exhausted || e.handle.unusable) continue;
    if (e.key !== key) continue;
    if (!best || e.lastUsedAt < best.lastUsedAt) best = e;
  }
  return best;
}
