/**
 * `cluster.snapshot()`: the live nodes with their warm keys, capacity and counters, the depth of
 * the cold queue and of each node's queue, and the affinity hit rate: attempts that found their
 * key warm on their node over all attempts, as the live nodes count them.
 */
import { emptyNodeCounters, type NodeAnnouncement, type NodeCounters } from './announce.js';

/** A node's state, as `node.snapshot()` gives it. */
export interface LeanWorkerNodeSnapshot {
  readonly id: string;
  readonly running: number;
  readonly concurrency: number;
  readonly warmKeys: readonly string[];
  readonly counters: Readonly<NodeCounters>;
  readonly closed: boolean;
}

/** Jobs in a queue by state. */
export interface QueueDepth {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
}

export interface LeanWorkerClusterSnapshot {
  readonly nodes: readonly (NodeAnnouncement & { readonly queueDepth: QueueDepth })[];
  readonly coldQueue: QueueDepth;
  /** Warm starts over attempts, summed over the live nodes (null before any attempt). */
  readonly affinityHitRate: number | null;
  /** The live nodes' counters, summed. */
  readonly counters: Readonly<NodeCounters>;
  /** What this client did: jobs routed to a warm node or the cold queue, jobs ended and of those warm. */
  readonly client: {
    readonly routedWarm: number;
    readonly routedCold: number;
    readonly jobsEnded: number;
    readonly endedWarm: number;
    readonly openJobs: number;
  };
}

function depthOf(counts: Record<string, number>): QueueDepth {
  return {
    waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
  };
}

export function buildClusterSnapshot(
  nodes: readonly NodeAnnouncement[],
  cold: Record<string, number>,
  perNode: readonly Record<string, number>[],
  client: LeanWorkerClusterSnapshot['client'],
): LeanWorkerClusterSnapshot {
  const counters = emptyNodeCounters();
  for (const node of nodes) {
    for (const key of Object.keys(counters) as (keyof NodeCounters)[]) counters[key] += node.counters[key];
  }
  return {
    nodes: nodes.map((node, i) => ({ ...node, queueDepth: depthOf(perNode[i] ?? {}) })),
    coldQueue: depthOf(cold),
    affinityHitRate: counters.attempts === 0 ? null : counters.warmStarts / counters.attempts,
    counters,
    client,
  };
}
