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

/** Move `job` to `cold`; false when it could not be removed (a node holds it, or it is gone). */
export async function moveToCold(
  job: Job,
  cold: Queue,
  redis: Redis,
  keys: ClusterKeys,
  reason: string,
  counters: NodeCounters,
): Promise<boolean> {
  const from = job.queueName;
  try {
    await job.remove();
  } catch {
    return false;
  }
  const jobId = String(job.id);
  await cold.add(job.name, job.data, {
    jobId,
    attempts: job.opts.attempts ?? 1,
    removeOnComplete: job.opts.removeOnComplete ?? true,
    removeOnFail: job.opts.removeOnFail ?? true,
  });
  await redis.hset(keys.job(jobId), 'queue', keys.coldQueue);
  counters.movedToCold += 1;
  publishCluster('job-moved', { jobId, from, reason });
  return true;
}

/** Job states that are not finished. */
export const UNFINISHED = ['active', 'wait', 'prioritized', 'delayed', 'waiting-children'] as const;

/** Move every unfinished job of `queue` (a dead node's) to `cold`; returns how many moved. */
export async function drainToCold(
  queue: Queue,
  cold: Queue,
  redis: Redis,
  keys: ClusterKeys,
  counters: NodeCounters,
  reason: string,
): Promise<{ moved: number; left: number }> {
  let moved = 0;
  // Bounded per sweep; the next sweep takes the rest.
  const jobs = await queue.getJobs([...UNFINISHED], 0, 499, true);
  for (const job of jobs) {
    if (job && (await moveToCold(job, cold, redis, keys, reason, counters))) moved += 1;
  }
  const counts = await queue.getJobCounts(...UNFINISHED);
  const left = Object.values(counts).reduce((a, b) => a + b, 0);
  return { moved, left };
}
