import { describe, expect, it } from 'vitest';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import {
  DEFAULT_MAX_QUEUED_ACQUIRES,
  DEFAULT_MAX_WAITER_BYPASSES,
  DEFAULT_MAX_WORKERS,
  DEFAULT_QUEUE_WAIT_TIMEOUT_MS,
} from '../../src/pool/options.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { DEFAULT_MAX_RESTARTS, DEFAULT_QUARANTINE_MS } from '../../src/protocol/worker-policy.js';
import { makePool, rejection, source } from './helpers.js';

function constructionError(options: unknown): LeanWorkerError {
  let caught: unknown;
  try {
    const pool = new LeanWorkerPool(options as never);
    void pool.destroy();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(LeanWorkerError);
  return caught as LeanWorkerError;
}

describe('pool options', () => {
  it('rejects a misspelt key with INVALID_OPTIONS naming the issue', () => {
    const error = constructionError({ maxWorker: 2 });
    expect(error.code).toBe('LEAN_WORKER_ERR_INVALID_OPTIONS');
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(error.facts.issues).toEqual([
      { path: '', code: 'unrecognized_keys', message: expect.stringContaining('maxWorker') },
    ]);
  });

  it('rejects a misspelt key of the nested worker policy', () => {
    const error = constructionError({ policy: { maxRestart: 1 } });
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(error.facts.issues).toEqual([
      { path: 'policy', code: 'unrecognized_keys', message: expect.stringContaining('maxRestart') },
    ]);
  });

  it.each([
    ['maxWorkers', 0],
    ['maxWorkers', -1],
    ['maxWorkers', 1.5],
    ['maxWorkers', '2'],
    ['maxTotalChildMemoryKib', 0],
    ['queueWaitTimeoutMs', -1],
    ['maxQueuedAcquires', 2.5],
    ['memoryMeasure', 'vss'],
    ['memorySampleIntervalMs', 0],
    ['defaultWorkerCostKib', -1],
    ['maxWaiterBypasses', -1],
    ['maxEvictingStarts', -1],
    ['rowBatchCredit', 0],
    ['policy', 'sometimes'],
    ['eviction', 'mru'],
    ['spares', -1],
    ['spares', 1.5],
    ['replaceInBackground', 'yes'],
    ['clientWeights', 'heavy'],
    ['clientWeights', { heavy: 0 }],
    ['clientWeights', { heavy: Number.POSITIVE_INFINITY }],
    ['clientWeights', { '': 1 }],
  ])('rejects %s = %j', (key, value) => {
    const error = constructionError({ [key]: value });
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    const issues = error.facts.issues as { path: string }[];
    expect(issues.some((i) => i.path === key || i.path.startsWith(`${key}.`))).toBe(true);
  });

  it.each([
    ['maxRestarts', -1],
    ['restartWindowMs', 0],
    ['restartBackoffBaseMs', -1],
    ['maxRequests', 0],
    ['memoryCeilingKib', -5],
    ['idleCycleMs', 0],
    ['quarantineMs', 1.5],
    ['windowMs', 1000],
  ])('rejects policy.%s = %j', (key, value) => {
    const error = constructionError({ policy: { [key]: value } });
    expect(error.code).toBe(ErrorCode.INVALID_OPTIONS);
    const paths = (error.facts.issues as { path: string }[]).map((i) => i.path);
    expect(paths.some((p) => p === `policy.${key}` || p === 'policy')).toBe(true);
  });

  it.each([
    ['restart', {}],
    ['perWorkerMemoryCeilingKib', 1024],
    ['idleCycleAfterMs', 1000],
  ])('refuses the pre-policy name %s as an unknown key', (key, value) => {
    const error = constructionError({ [key]: value });
    expect(error.facts.issues).toEqual([
      { path: '', code: 'unrecognized_keys', message: expect.stringContaining(key) },
    ]);
  });

  it('fills the exported defaults', () => {
    const pool = makePool();
    expect(pool.options.maxWorkers).toBe(DEFAULT_MAX_WORKERS);
    expect(pool.options.queueWaitTimeoutMs).toBe(DEFAULT_QUEUE_WAIT_TIMEOUT_MS);
    expect(pool.options.maxQueuedAcquires).toBe(DEFAULT_MAX_QUEUED_ACQUIRES);
    expect(pool.options.maxWaiterBypasses).toBe(DEFAULT_MAX_WAITER_BYPASSES);
    expect(pool.options.policy.maxRestarts).toBe(DEFAULT_MAX_RESTARTS);
    expect(pool.options.policy.quarantineMs).toBe(DEFAULT_QUARANTINE_MS);
    expect(pool.options.memoryMeasure).toBe('private');
  });

  it('rejects a misspelt acquire option before touching a worker', async () => {
    const pool = makePool();
    await rejection(pool.acquireLease(source(['A']), { timeout: 5 } as never), ErrorCode.INVALID_OPTIONS);
    expect(pool.snapshot().coldOpenAttempts).toBe(0);
  });
});
