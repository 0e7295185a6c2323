/**
 * The sweeper every node runs: a node whose announcement expired is dead, and one live node (the
 * one that wins a short lock) empties its queue into the cold queue: waiting jobs, and running
 * ones whose BullMQ lock lapsed (their node stopped renewing it), which then start another
 * attempt elsewhere. A queue left empty is deleted with its node's entry. Each node also moves
 * its own waiting jobs that waited past `maxWarmWaitMs` to the cold queue.
 *
 * BullMQ has no move: the job is removed (which fails while a worker holds its lock, so a job a
 * node has just taken stays where it is) and added to the cold queue under the same id, with the
 * same data. Its attempt count lives in the job's own Redis hash, so it carries over.
 */
import type { Job, Queue } from 'bullmq';
import { publishCluster } from './events.js';
import type { NodeContext } from './node-job.js';

/** Move `job` to the cold queue; false when it could not be removed (a node holds it, or it is gone). */
async function moveToCold(job: Job, to: NodeContext, reason: string): Promise<boolean> {
  const from = job.queueName;
  try {
    await job.remove();
  } catch {
    return false;
  }
  const jobId = String(job.id);
  await to.cold.add(job.name, job.data, {
    jobId,
    attempts: job.opts.attempts ?? 1,
    removeOnComplete: job.opts.removeOnComplete ?? true,
    removeOnFail: job.opts.removeOnFail ?? true,
  });
  await to.redis.hset(to.keys.job(jobId), 'queue', to.keys.coldQueue);
  to.counters.movedToCold += 1;
  publishCluster('job-moved', { jobId, from, reason });
  return true;
}

/** Job states that are not finished. */
const UNFINISHED = ['active', 'wait', 'prioritized', 'delayed', 'waiting-children'] as const;

/** Move every unfinished job of `queue` (a dead node's) to the cold queue; returns how many moved. */
export async function drainToCold(queue: Queue, to: NodeContext, reason: string) {
  let moved = 0;
  // Bounded per sweep; the next sweep takes the rest.
  for (const job of await queue.getJobs([...UNFINISHED], 0, 499, true)) {
    if (job && (await moveToCold(job, to, reason))) moved += 1;
  }
  const left = Object.values(await queue.getJobCounts(...UNFINISHED)).reduce((a, b) => a + b, 0);
  return { moved, left };
}

/** Sweep dead nodes' queues, then move this node's overdue waiting jobs; `openQueue` makes a new handle. */
export async function sweep(ctx: NodeContext, openQueue: (name: string) => Queue): Promise<void> {
  const { redis, keys } = ctx;
  const lockMs = Math.max(ctx.options.sweepIntervalMs * 2, 1_000);
  for (const id of await redis.smembers(keys.nodeIds)) {
    if (id === ctx.nodeId) continue;
    if ((await redis.exists(keys.node(id))) === 1) continue;
    const won = await redis.set(keys.sweepLock(id), ctx.nodeId, 'PX', lockMs, 'NX');
    if (won === 'OK') await sweepDead(ctx, openQueue(keys.nodeQueue(id)), id);
  }
  const waiting = await ctx.own.getJobs(['wait', 'prioritized'], 0, 199, true);
  const now = Date.now();
  for (const job of waiting) {
    if (job && now - job.timestamp > ctx.options.maxWarmWaitMs) await moveToCold(job, ctx, 'overdue');
  }
}

async function sweepDead(ctx: NodeContext, queue: Queue, id: string): Promise<void> {
  try {
    const { moved, left } = await drainToCold(queue, ctx, 'node_dead');
    if (moved > 0) publishCluster('node-swept', { node: id, by: ctx.nodeId, moved });
    if (left === 0) {
      await queue.obliterate({ force: true });
      await ctx.redis.srem(ctx.keys.nodeIds, id);
    }
  } finally {
    await queue.close();
  }
}
