/**
 * Affinity across three node processes (two fixture workers each): after one cold run per hot
 * key, at least 90% of the following jobs for those keys start on a worker that already holds
 * the key warm, as the jobs' own attempt facts and the nodes' counters say. The node processes,
 * their children and the redis-server are stopped by the end of the test.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { NO_REDIS_REASON, REDIS_AVAILABLE } from '../../bench/lib/redis-server.js';
import { clusterSource, type LeanWorkerClusterSource } from '../../src/cluster/wire.js';
import { waitDead } from '../helpers/proc.js';
import { rows } from '../pool/helpers.js';
import { client, startRedis } from './helpers.js';
import { descendants, spawnNode, until } from './processes.js';

const HOT_KEYS = 3;
const JOBS = 60;
const IN_FLIGHT = 3;

describe.skipIf(!REDIS_AVAILABLE)(`cluster affinity (skipped when ${NO_REDIS_REASON})`, () => {
  it('three node processes: after warm-up, at least 90% of hot-key jobs start warm', async () => {
    const redis = await startRedis();
    const nodes = await Promise.all(['a', 'b', 'c'].map((id) => spawnNode(redis.port, `aff-${id}`, 2)));
    const children = new Set<number>();
    onTestFinished(() => {
      for (const pid of children) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    const cluster = client(redis, { routeCacheMs: 50 });
    await until(async () => (await cluster.snapshot()).nodes.length === 3);
    const sources = Array.from({ length: HOT_KEYS }, (_, i) =>
      clusterSource('fixture', { imports: [`Hot${i}`] }),
    );

    // Warm-up: one job per key, then until every key is announced warm somewhere and the nodes'
    // counters show the warm-up attempts (an announcement can show a key warm before its attempt).
    for (const src of sources) await cluster.runStreamingCommand(src, rows, { count: 2 }).summary;
    let before = (await cluster.snapshot()).counters;
    await until(async () => {
      const { nodes: live, counters } = await cluster.snapshot();
      before = counters;
      return (
        counters.attempts >= HOT_KEYS &&
        sources.every((s) => live.some((n) => n.warmKeys.includes(s.affinityKey)))
      );
    });

    const results: { node: string | null; warm: boolean; attempts: number }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < JOBS) {
          const src = sources[next++ % HOT_KEYS] as LeanWorkerClusterSource;
          const job = cluster.runStreamingCommand(src, rows, { count: 3 });
          let seen = 0;
          for await (const _ of job) seen += 1;
          expect(seen).toBe(3);
          const summary = await job.summary;
          results.push({ node: summary.node, warm: summary.warm, attempts: summary.attempts });
        }
      }),
    );
    expect(results).toHaveLength(JOBS);
    expect(results.every((r) => r.attempts === 1)).toBe(true);
    const warm = results.filter((r) => r.warm).length;
    expect(warm / JOBS).toBeGreaterThanOrEqual(0.9);

    // The nodes' own counters agree (announced every 200 ms, so wait for the last jobs to show).
    let after = before;
    await until(async () => {
      after = (await cluster.snapshot()).counters;
      return after.attempts - before.attempts >= JOBS;
    });
    expect(after.attempts - before.attempts).toBe(JOBS);
    expect((after.warmStarts - before.warmStarts) / JOBS).toBeGreaterThanOrEqual(0.9);

    // Stop the node processes; their children die with them.
    for (const node of nodes) for (const pid of descendants(node.pid as number)) children.add(pid);
    expect(children.size).toBeGreaterThanOrEqual(HOT_KEYS);
    for (const node of nodes) node.kill('SIGKILL');
    for (const pid of children) expect(await waitDead(pid, 10_000)).toBe(true);
  }, 90_000);
});
