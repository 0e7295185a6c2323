/**
 * The client's look at a job that has been quiet for a while: is it still in a queue? A job whose
 * Redis hash is gone was lost with Redis's data (CLUSTER_UNAVAILABLE); a job that BullMQ failed
 * without a terminal entry, or that is in no queue, on two looks in a row, lost its node
 * (NODE_LOST). Two looks, because a move to the cold queue leaves the job in neither queue for a
 * moment.
 */
import { Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import type { ClusterKeys } from './wire.js';

export class JobChecker {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #queue: (name: string) => Queue;
  /** Jobs found in no queue on the last look. */
  readonly #suspect = new Set<string>();

  constructor(redis: Redis, keys: ClusterKeys, queue: (name: string) => Queue) {
    this.#redis = redis;
    this.#keys = keys;
    this.#queue = queue;
  }

  /** The error of a lost job, or null while it is somewhere (or finished: its entry is coming). */
  async lost(jobId: string): Promise<LeanWorkerError | null> {
    const meta = await this.#redis.hgetall(this.#keys.job(jobId));
    if (!meta.queue) {
      return makeError(ErrorCode.CLUSTER_UNAVAILABLE, "the cluster's Redis lost the job's state", {
        facts: { jobId, reason: 'job_state_lost' },
      });
    }
    if (meta.done === '1') return null;
    const job = await Job.fromId(this.#queue(meta.queue), jobId);
    const state = job ? await job.getState() : 'unknown';
    if (state !== 'failed' && state !== 'unknown') {
      this.#suspect.delete(jobId);
      return null;
    }
    if (!this.#suspect.has(jobId)) {
      this.#suspect.add(jobId);
      return null;
    }
    this.#suspect.delete(jobId);
    return makeError(ErrorCode.NODE_LOST, 'the cluster job is no longer in any queue', {
      facts: {
        jobId,
        reason: state === 'failed' ? 'failed_without_outcome' : 'job_missing',
        node: meta.lastNode ?? null,
        attempts: Number(meta.attempt ?? 0),
      },
    });
  }

  /** Forget a finished job. */
  forget(jobId: string): void {
    this.#suspect.delete(jobId);
  }
}
