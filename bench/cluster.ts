/**
 * The cluster on one machine: a private redis-server, nodes in this process over pools of the
 * fixture children, and a client. Prints:
 *
 *   jobs/s       small JSON jobs (echo), 8 in flight: a local pool vs the cluster with 1, 2 and 3 nodes
 *   rows/s       one stream of the fast child's rows: a local lease vs across Redis (1, 2 and 3 nodes)
 *   affinity     a Zipf trace of keys on 2 nodes (2 workers each): the share of attempts that found
 *                their key warm, routed by affinity vs every job on the cold queue
 *   memory       Redis memory per 1,000 unread rows of a paused job
 *
 * Everything shares 2 cores: this measures the cost per job and per row of going through Redis,
 * not scaling.
 *
 *   node dist/bench/cluster.js [--quick]
 */
import { Redis } from 'ioredis';
import { clusterSource, LeanWorkerCluster, LeanWorkerNode } from '../src/cluster/index.js';
import { LeanWorkerPool } from '../src/index.js';
import { echo, fastRows, fastRowsSource, testChildSource } from './lib/fixtures.js';
import { describePlatform, platform } from './lib/platform.js';
import { REDIS_AVAILABLE, RedisServer } from './lib/redis-server.js';
import { runMain, step } from './lib/report.js';
import { zipfTrace } from './lib/traces.js';

const quick = process.argv.includes('--quick');
/** `--part jobs|affinity|memory`: run one part (jobs includes rows). */
const part = process.argv[process.argv.indexOf('--part') + 1];
const runs = (name: string) => !process.argv.includes('--part') || part === name;
const JOBS = quick ? 60 : 400;
const IN_FLIGHT = 8;
const ROWS = quick ? 5_000 : 50_000;
const TRACE = quick ? 60 : 300;
const KEYS = 12;
const AFFINITY_WORKERS = 4;
const AFFINITY_IN_FLIGHT = 4;

const sources = {
  fast: () => fastRowsSource(),
  test: (params: unknown) => testChildSource((params as { imports: string[] }).imports),
};

async function inFlight(count: number, width: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const began = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await run(next++);
    }),
  );
  return performance.now() - began;
}

async function withNodes<T>(
  redis: RedisServer,
  count: number,
  prefix: string,
  fn: (cluster: LeanWorkerCluster) => Promise<T>,
  clusterOptions: { routing?: 'affinity' | 'cold' } = {},
  maxWorkers = 2,
): Promise<T> {
  const pools = Array.from({ length: count }, () => new LeanWorkerPool({ maxWorkers }));
  const nodes = pools.map(
    (pool, i) =>
      new LeanWorkerNode({
        redis: redis.options,
        prefix,
        id: `n${i}`,
        pool,
        sources,
        heartbeatIntervalMs: 100,
      }),
  );
  const cluster = new LeanWorkerCluster({
    redis: redis.options,
    prefix,
    routeCacheMs: 50,
    ...clusterOptions,
  });
  try {
    for (const node of nodes) await node.start();
    return await fn(cluster);
  } finally {
    await cluster.close();
    for (const node of nodes) await node.close();
    for (const pool of pools) await pool.destroy();
  }
}

async function jobsAndRows(redis: RedisServer): Promise<void> {
  step('jobs: local');
  const local = new LeanWorkerPool({ maxWorkers: 2 });
  const src = fastRowsSource();
  await local.withLease(src, (l) => l.runJsonCommand(echo, { x: 0 }));
  const localMs = await inFlight(JOBS, IN_FLIGHT, (i) =>
    local.withLease(src, (l) => l.runJsonCommand(echo, { x: i })),
  );
  step('rows: local');
  const rowsLocalMs = await inFlight(1, 1, () =>
    local.withLease(src, async (l) => {
      for await (const _ of l.runStreamingCommand(fastRows, { count: ROWS }));
    }),
  );
  await local.close();
  console.log(`\njobs: ${JOBS} echo jobs, ${IN_FLIGHT} in flight, one key`);
  console.log(`  local pool      ${((JOBS / localMs) * 1000).toFixed(0)} jobs/s`);
  const fast = clusterSource('fast');
  const rowsClusterMs = new Map<number, number>();
  for (const count of [1, 2, 3]) {
    step(`jobs: ${count} nodes`);
    const ms = await withNodes(redis, count, `jobs${count}`, async (cluster) => {
      await cluster.runJsonCommand(fast, echo, { x: 0 });
      const took = await inFlight(JOBS, IN_FLIGHT, (i) => cluster.runJsonCommand(fast, echo, { x: i }));
      step(`rows: ${count} nodes`);
      const rowsMs = await inFlight(1, 1, async () => {
        for await (const _ of cluster.runStreamingCommand(fast, fastRows, { count: ROWS }));
      });
      rowsClusterMs.set(count, rowsMs);
      return took;
    });
    console.log(`  cluster, ${count} node${count > 1 ? 's' : ' '} ${((JOBS / ms) * 1000).toFixed(0)} jobs/s`);
  }
  console.log(`\nrows: one stream of ${ROWS} rows (~150 B)`);
  console.log(`  local lease     ${((ROWS / rowsLocalMs) * 1000).toFixed(0)} rows/s`);
  for (const [count, ms] of rowsClusterMs) {
    console.log(
      `  across Redis, ${count} node${count > 1 ? 's' : ' '} ${((ROWS / ms) * 1000).toFixed(0)} rows/s`,
    );
  }
}

async function affinity(redis: RedisServer): Promise<void> {
  const trace = zipfTrace(TRACE, KEYS, 1, 42);
  console.log(
    `\naffinity: Zipf(1) trace of ${TRACE} echo jobs over ${KEYS} keys, 2 nodes x ${AFFINITY_WORKERS} workers, ${AFFINITY_IN_FLIGHT} in flight`,
  );
  step('affinity: one local pool');
  {
    // The reference: one pool with every worker of the two nodes, no Redis between.
    const pool = new LeanWorkerPool({ maxWorkers: 2 * AFFINITY_WORKERS });
    const before = pool.snapshot();
    const ms = await inFlight(trace.length, AFFINITY_IN_FLIGHT, (i) =>
      pool.withLease(testChildSource([`K${trace[i]}`]), (l) => l.runJsonCommand(echo, { x: i })),
    );
    const after = pool.snapshot();
    const rate = (after.keyHits - before.keyHits) / trace.length;
    await pool.close();
    console.log(
      `  one local pool of ${2 * AFFINITY_WORKERS}  ${(rate * 100).toFixed(1)}% warm, ${((trace.length / ms) * 1000).toFixed(1)} jobs/s`,
    );
  }
  for (const routing of ['affinity', 'cold'] as const) {
    step(`affinity: ${routing}`);
    const { rate, ms } = await withNodes(
      redis,
      2,
      `aff-${routing}`,
      async (cluster) => {
        const ms = await inFlight(trace.length, 4, (i) =>
          cluster.runJsonCommand(clusterSource('test', { imports: [`K${trace[i]}`] }), echo, { x: i }),
        );
        // The nodes' counters, as announced a heartbeat later.
        await new Promise((r) => setTimeout(r, 300));
        return { rate: (await cluster.snapshot()).affinityHitRate ?? 0, ms };
      },
      { routing },
      AFFINITY_WORKERS,
    );
    const label = routing === 'affinity' ? 'affinity routing' : 'cold queue only';
    console.log(
      `  ${label.padEnd(16)}${(rate * 100).toFixed(1)}% warm, ${((trace.length / ms) * 1000).toFixed(1)} jobs/s`,
    );
  }
}

async function memory(redis: RedisServer): Promise<void> {
  const fast = clusterSource('fast');
  step('memory');
  await withNodes(redis, 1, 'mem', async (cluster) => {
    const probe = new Redis(redis.options);
    try {
      const stream = cluster.runStreamingCommand(fast, fastRows, { count: 1_000_000 });
      // Nobody reads: the node fills its window (512 rows) and pauses.
      const key = `mem:cluster:rows:${stream.jobId}`;
      const unreadRows = async () =>
        (await probe.xrange(key, '-', '+')).reduce(
          (n, [, f]) => n + (f[0] === 'k' && f[1] === 'b' ? JSON.parse(f[5] ?? '[]').length : 0),
          0,
        );
      let unread = 0;
      for (let i = 0; i < 200 && unread < 500; i++) {
        await new Promise((r) => setTimeout(r, 25));
        unread = await unreadRows();
      }
      const bytes = Number(await probe.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      console.log(
        `\nmemory: ${unread} unread rows (~150 B each) take ${(((bytes / unread) * 1000) / 1024).toFixed(0)} KiB of Redis memory per 1,000 rows (MEMORY USAGE of the stream)`,
      );
      stream.cancel();
    } finally {
      probe.disconnect();
    }
  });
}

async function main(): Promise<void> {
  if (!REDIS_AVAILABLE) {
    console.log('redis-server is not on PATH: nothing to measure');
    return;
  }
  console.log(describePlatform(platform()));
  const redis = await new RedisServer().start();
  try {
    if (runs('jobs')) await jobsAndRows(redis);
    if (runs('affinity')) await affinity(redis);
    if (runs('memory')) await memory(redis);
  } finally {
    await redis.stop();
  }
}

runMain(main, quick ? 180_000 : 900_000);
