/**
 * Handing a worker that is still being made ready (a cold open, a warm worker's restart or
 * cycle) to a caller who may abort meanwhile. The abort rejects at once with ABORTED; the worker,
 * once ready, is handed back to the pool (kept warm) instead of to the caller who left.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';

export function deliver<T>(
  ready: Promise<T>,
  signal: AbortSignal | undefined,
  handBack: (value: T) => void,
): Promise<T> {
  if (!signal) return ready;
  return new Promise<T>((resolve, reject) => {
    const began = performance.now();
    let left = false;
    const abort = () => {
      left = true;
      reject(
        makeError(ErrorCode.ABORTED, 'acquire aborted while its worker was being made ready', {
          facts: { reason: 'starting', waitedMs: performance.now() - began },
          cause: signal.reason,
        }),
      );
    };
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    ready.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        if (left) handBack(value);
        else resolve(value);
      },
      (error: LeanWorkerError) => {
        signal.removeEventListener('abort', abort);
        if (!left) reject(error);
      },
    );
  });
}
