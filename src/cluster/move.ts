/**
 * Moving a job that is not running from a node's queue to the cold queue. BullMQ has no move:
 * the job is removed (which fails while a worker holds its lock, so a job a node has just taken
 * stays where it is) and added to the cold queue under the same id, with the same data. Its
 * attempt count lives in the job's own Redis hash, so it carries over.
 */
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NodeCounters } from './announce.js';
import { publishCluster } from './events.js';
import type { ClusterKeys } from './wire.js';

/** Where moved jobs go, and what a move updates. */
export interface ColdMove {
  readonly cold: Queue;
  readonly redis: Redis;
  readonly keys: ClusterKeys;
  readonly counters: NodeCounters;
}

/** Move `job` to the cold queue; false when it could not be removed (a node holds it, or it is gone). */
export async function moveToCold(job: Job, to: ColdMove, reason: string): Promise<boolean> {
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
export async function drainToCold(
  queue: Queue,
  to: ColdMove,
  reason: string,
): Promise<{ moved: number; left: number }> {
  let moved = 0;
  // Bounded per sweep; the next sweep takes the rest.
  const jobs = await queue.getJobs([...UNFINISHED], 0, 499, true);
  for (const job of jobs) {
    if (job && (await moveToCold(job, to, reason))) moved += 1;
  }
  const counts = await queue.getJobCounts(...UNFINISHED);
  const left = Object.values(counts).reduce((a, b) => a + b, 0);
  return { moved, left };
}
