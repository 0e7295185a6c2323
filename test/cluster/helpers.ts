/**
 * Clusters for tests: a private redis-server, nodes over real pools of the fixture child, and
 * clients; everything made here is closed (nodes, pools, clients, then Redis) when the current
 * test finishes, passed or failed.
 */
import { onTestFinished } from 'vitest';
import { RedisServer } from '../../bench/lib/redis-server.js';
import { LeanWorkerCluster } from '../../src/cluster/client.js';
import { LeanWorkerNode } from '../../src/cluster/node.js';
import type { LeanWorkerClusterOptions, LeanWorkerNodeOptions } from '../../src/cluster/options.js';
import type { LeanWorkerPoolOptions } from '../../src/pool/options.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { source } from '../pool/helpers.js';

/** The node's sources: `fixture` with params `{ imports }` is the fixture child for those imports. */
export const FIXTURE_SOURCES = {
  fixture: (params: unknown) => source(((params as { imports?: string[] } | null)?.imports ?? []).slice()),
};

/** Short intervals so that failures are found within a test's time. */
export const FAST_NODE = {
  heartbeatIntervalMs: 200,
  heartbeatTtlMs: 1_000,
  pollIntervalMs: 10,
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
  sweepIntervalMs: 250,
} as const;

export async function startRedis(): Promise<RedisServer> {
  const redis = await new RedisServer().start();
  onTestFinished(() => redis.stop());
  return redis;
}

export async function startNode(
  redis: RedisServer,
  options: Partial<LeanWorkerNodeOptions> = {},
  poolOptions: LeanWorkerPoolOptions = { maxWorkers: 2 },
): Promise<LeanWorkerNode> {
  const pool = new LeanWorkerPool(poolOptions);
  const node = new LeanWorkerNode({
    redis: redis.options,
    pool,
    sources: FIXTURE_SOURCES,
    ...FAST_NODE,
    ...options,
  });
  onTestFinished(async () => {
    await node.close({ timeoutMs: 2_000 });
    await pool.destroy();
  });
  await node.start();
  return node;
}

export function client(redis: RedisServer, options: LeanWorkerClusterOptions = {}): LeanWorkerCluster {
  const c = new LeanWorkerCluster({ redis: redis.options, jobCheckIntervalMs: 500, ...options });
  onTestFinished(() => c.close());
  return c;
}
