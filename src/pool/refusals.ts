/** The typed errors admission refuses with, each carrying the figures that decided it. */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';

export function quarantinedError(retryAfterMs: number): LeanWorkerError {
  return makeError(ErrorCode.QUARANTINED, 'this session key is quarantined after a restart loop', {
    facts: { retryAfterMs: Math.ceil(retryAfterMs) },
  });
}

export function exhaustedError(maxWorkers: number): LeanWorkerError {
  return makeError(ErrorCode.POOL_EXHAUSTED, 'every worker is busy and waiting is disabled', {
    facts: { maxWorkers },
  });
}

export function queueFullError(maxQueuedAcquires: number): LeanWorkerError {
  return makeError(ErrorCode.QUEUE_FULL, 'the admission queue is full', { facts: { maxQueuedAcquires } });
}

export function queueTimeoutError(waitedMs: number, timeoutMs: number, queueDepth: number): LeanWorkerError {
  return makeError(ErrorCode.QUEUE_TIMEOUT, `no worker within ${timeoutMs} ms`, {
    facts: { queueWaitMs: Math.round(waitedMs), timeoutMs, queueDepth },
  });
}

export function poolClosedError(): LeanWorkerError {
  return makeError(ErrorCode.POOL_CLOSED, 'the pool closed while waiting');
}
