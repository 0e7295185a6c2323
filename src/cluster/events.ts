/**
 * Cluster events on `node:diagnostics_channel`, like the pool's: channels named
 * `lean-worker-pool:cluster-<event>`, plain payloads naming the job (`jobId`) and the node.
 * Publishing costs nothing when no one subscribes.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { EndEntry } from './wire.js';

export const CLUSTER_EVENT_NAMES = [
  'job-submitted',
  'job-attempt',
  'job-retried',
  'job-moved',
  'job-ended',
  'job-cancelled',
  'backpressure',
  'node-swept',
  'redis-error',
] as const;

export type ClusterEventName = (typeof CLUSTER_EVENT_NAMES)[number];

/** The payload of each cluster event, by name. */
export interface ClusterEventPayloads {
  /** A client put a job on a queue: a warm node's (`routedTo`) or the cold queue (`routedTo: null`). */
  'job-submitted': { jobId: string; queue: string; routedTo: string | null; affinityKey: string };
  /** A node started an attempt; `warm`: its key had a live worker there (an affinity hit). */
  'job-attempt': { jobId: string; node: string; attempt: number; warm: boolean };
  /** A failed attempt was handed back to its queue for another. */
  'job-retried': { jobId: string; node: string; attempt: number; code: string };
  /** A waiting job moved to the cold queue (`reason`: `overdue`, `node_dead`, `node_closed`). */
  'job-moved': { jobId: string; from: string; reason: string };
  /** A job's terminal outcome, written by `node` (or seen by a client). */
  'job-ended': { jobId: string; node: string | null; ok: boolean; attempts: number; code?: string };
  'job-cancelled': { jobId: string; node: string | null };
  /** A job's reader fell behind: its node stopped reading the child until rows were read. */
  backpressure: { jobId: string; node: string; unreadRows: number };
  /** A dead node's queue was emptied into the cold queue. */
  'node-swept': { node: string; by: string; moved: number };
  /** A Redis command of a node or client failed (`role`); it goes on after a backoff. */
  'redis-error': { role: string; id: string; message: string };
}

/** The channel name of a cluster event. */
export function clusterChannelName(event: ClusterEventName): string {
  return `lean-worker-pool:cluster-${event}`;
}

const channels = new Map<ClusterEventName, diagnosticsChannel.Channel>(
  CLUSTER_EVENT_NAMES.map((name) => [name, diagnosticsChannel.channel(clusterChannelName(name))]),
);

export function publishCluster<E extends ClusterEventName>(event: E, payload: ClusterEventPayloads[E]): void {
  const channel = channels.get(event);
  if (channel?.hasSubscribers) channel.publish(payload);
}

/** `job-ended` for a job's terminal entry, as `node` wrote it (or a client saw it: its node). */
export function publishEnded(jobId: string, node: string | null, end: EndEntry): void {
  const code = end.ok ? {} : { code: end.error.code };
  publishCluster('job-ended', { jobId, node, ok: end.ok, attempts: end.attempt, ...code });
}
