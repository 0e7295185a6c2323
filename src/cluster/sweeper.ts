/**
 * The sweeper every node runs: a node whose announcement expired is dead, and one live node (the
 * one that wins a short lock) empties its queue into the cold queue: waiting jobs, and running
 * ones whose BullMQ lock lapsed (their node stopped renewing it), which then start another
 * attempt elsewhere. A queue left empty is deleted with its node's entry. Each node also moves
 * its own waiting jobs that waited past `maxWarmWaitMs` to the cold queue.
 */
import type { Queue } from 'bullmq';
import { publishCluster } from './events.js';
import { type ColdMove, drainToCold, moveToCold } from './move.js';

export interface SweepContext extends ColdMove {
  readonly nodeId: string;
  readonly own: Queue;
  readonly maxWarmWaitMs: number;
  readonly lockMs: number;
  /** A new Queue handle (closed by the sweeper when done). */
  readonly openQueue: (name: string) => Queue;
}

/** Sweep dead nodes' queues, then move this node's overdue waiting jobs. */
export async function sweep(ctx: SweepContext): Promise<void> {
  const { redis, keys } = ctx;
  const ids = await redis.smembers(keys.nodeIds);
  for (const id of ids) {
    if (id === ctx.nodeId) continue;
    if ((await redis.exists(keys.node(id))) === 1) continue;
    const won = await redis.set(keys.sweepLock(id), ctx.nodeId, 'PX', ctx.lockMs, 'NX');
    if (won === 'OK') await sweepDead(ctx, id);
  }
  const waiting = await ctx.own.getJobs(['wait', 'prioritized'], 0, 199, true);
  const now = Date.now();
  for (const job of waiting) {
    if (job && now - job.timestamp > ctx.maxWarmWaitMs) await moveToCold(job, ctx, 'overdue');
  }
}

async function sweepDead(ctx: SweepContext, id: string): Promise<void> {
  const queue = ctx.openQueue(ctx.keys.nodeQueue(id));
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
