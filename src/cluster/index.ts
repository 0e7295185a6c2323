/**
 * lean-worker-pool/cluster: pools on many machines behind one queue engine (BullMQ on Redis),
 * with session-key affinity. `bullmq` and `ioredis` are optional peer dependencies, loaded only
 * by this entry.
 */
export type { LeanWorkerClusterSnapshot, NodeAnnouncement, NodeCounters, QueueDepth } from './announce.js';
export { LeanWorkerCluster } from './client.js';
export {
  type ClusterJobFacts,
  type LeanWorkerClusterRow,
  LeanWorkerClusterStream,
  type LeanWorkerClusterSummary,
} from './cluster-stream.js';
export {
  CLUSTER_EVENT_NAMES,
  type ClusterEventName,
  type ClusterEventPayloads,
  clusterChannelName,
} from './events.js';
export { LeanWorkerNode, type LeanWorkerNodeSnapshot } from './node.js';
export { DEFAULT_RETRY_ON } from './node-job.js';
export type {
  ClusterRedisOptions,
  LeanWorkerClusterJobOptions,
  LeanWorkerClusterOptions,
  LeanWorkerNodeOptions,
} from './options.js';
export { clusterSource, type JsonValue, type LeanWorkerClusterSource } from './wire.js';
