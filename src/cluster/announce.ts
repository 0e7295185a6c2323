/**
 * A node's announcement: what it tells the cluster every heartbeat, under a key that expires
 * (`heartbeatTtlMs`), so a dead node's announcement disappears on its own. Its capacity figures
 * come from `pool.snapshot()`: free leases, memory headroom (pool budget and machine), and
 * whether a cold start would be admitted now. `cluster.snapshot()` is built from the live nodes'
 * announcements: their warm keys, capacity and counters, the depth of the cold queue and of each
 * node's queue, and the affinity hit rate (attempts that found their key warm on their node over
 * all attempts, as the live nodes count them).
 */
import { z } from 'zod';
import type { LeanWorkerPool } from '../pool/pool.js';

const counters = z.object({
  /** Attempts started. */
  attempts: z.number(),
  /** Attempts whose lease got a worker that had served a request before: no session to open (an affinity hit). */
  warmStarts: z.number(),
  coldStarts: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  /** Failed attempts handed back for another attempt. */
  retried: z.number(),
  cancelled: z.number(),
  /** Waiting jobs moved to the cold queue: overdue here, or swept from a dead node. */
  movedToCold: z.number(),
  /** Times a job's reader fell behind and the node paused its child. */
  backpressurePauses: z.number(),
});

/** Counters a node keeps and announces. */
export type NodeCounters = z.output<typeof counters>;

export function emptyNodeCounters(): NodeCounters {
  return Object.fromEntries(Object.keys(counters.shape).map((key) => [key, 0])) as NodeCounters;
}

/** What a node announces (read back by clients with this schema; a malformed one is skipped). */
export const announcementSchema = z.object({
  id: z.string(),
  queue: z.string(),
  at: z.number(),
  concurrency: z.number(),
  running: z.number(),
  /** Jobs waiting in the node's own queue. */
  waiting: z.number(),
  freeLeases: z.number(),
  /** Free leases that need no eviction: a cold start here costs no other key its warm worker. */
  emptySlots: z.number().default(0),
  /** Memory a new worker may take (the lower of pool budget room and machine headroom), null: unbounded. */
  headroomKib: z.number().nullable(),
  coldStartFits: z.boolean(),
  warmKeys: z.array(z.string()),
  /** Warm keys with a worker not leased now: a job for one starts at once, warm. */
  idleWarmKeys: z.array(z.string()),
  counters,
});

export type NodeAnnouncement = z.output<typeof announcementSchema>;

/** Free leases (at most `freeJobs`), headroom and whether a cold start fits now, from the pool's snapshot. */
export function capacityOf(pool: LeanWorkerPool, freeJobs: number, coldReserveKib: number) {
  const s = pool.snapshot();
  const systemReserveKib = pool.options.systemMemoryReserveKib;
  const slots = s.maxWorkers - (s.workers + s.startingWorkers + s.exitingWorkers);
  // An idle worker of another key is evicted to make room, so it counts as a free slot.
  const freeLeases = Math.max(0, Math.min(freeJobs, slots + s.idleWorkers));
  const emptySlots = Math.max(0, Math.min(freeJobs, slots));
  const budgetRoom = s.memory.budgetKib === null ? null : s.memory.budgetKib - s.memory.decisionTotalKib;
  const machine = s.memory.system?.headroomKib ?? null;
  const system = machine === null ? null : machine - (systemReserveKib === false ? 0 : systemReserveKib);
  const headroomKib =
    budgetRoom === null ? system : system === null ? budgetRoom : Math.min(budgetRoom, system);
  const memoryFits = headroomKib === null || headroomKib >= coldReserveKib;
  return { freeLeases, emptySlots, headroomKib, coldStartFits: !s.closed && freeLeases > 0 && memoryFits };
}

/**
 * Whether a node takes a job from the cold queue now: only while a cold start fits, and, when it
 * would evict an idle worker of another key, at most once every `intervalMs` (`last.at` is when
 * it last did), so that a node with an empty slot takes the cold job first and warm keys are not
 * traded for one another.
 */
export function coldTurn(
  capacity: { coldStartFits: boolean; emptySlots: number },
  last: { at: number },
  intervalMs: number,
): boolean {
  if (!capacity.coldStartFits) return false;
  if (capacity.emptySlots > 0) return true;
  const now = performance.now();
  if (now - last.at < intervalMs) return false;
  last.at = now;
  return true;
}

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
