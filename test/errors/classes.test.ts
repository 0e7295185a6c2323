/**
 * Each code is thrown as the class of its failure: a lease busy with a request is not an
 * invalidated lease, an in-flight memory kill is not an admission refusal, and a quarantined key
 * is an admission refusal, not a restart limit. Codes and facts cross threads unchanged.
 */
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  errorFromWire,
  LeanWorkerError,
  LeaseBusyError,
  LeaseInvalidatedError,
  MemoryBudgetError,
  MemoryLimitError,
  makeError,
  QuarantinedError,
  RestartLimitError,
} from '../../src/errors.js';

describe('error classes', () => {
  it('gives LEASE_BUSY, MEMORY_LIMIT and QUARANTINED the class of their own failure', () => {
    const busy = makeError(ErrorCode.LEASE_BUSY, 'busy');
    expect(busy).toBeInstanceOf(LeaseBusyError);
    expect(busy).not.toBeInstanceOf(LeaseInvalidatedError);
    const killed = makeError(ErrorCode.MEMORY_LIMIT, 'killed', {
      facts: { currentKib: 130_000, limitKib: 120_000, measure: 'private' },
    });
    expect(killed).toBeInstanceOf(MemoryLimitError);
    expect(killed).not.toBeInstanceOf(MemoryBudgetError);
    expect(killed.facts.limitKib).toBe(120_000);
    const quarantined = makeError(ErrorCode.QUARANTINED, 'quarantined', { facts: { retryAfterMs: 5 } });
    expect(quarantined).toBeInstanceOf(QuarantinedError);
    expect(quarantined).not.toBeInstanceOf(RestartLimitError);
    for (const error of [busy, killed, quarantined]) {
      expect(error).toBeInstanceOf(LeanWorkerError);
      expect(error.name).toBe(error.constructor.name);
    }
  });

  it('rebuilds the same class, code and facts from wire data', () => {
    const wire = makeError(ErrorCode.MEMORY_LIMIT, 'killed', {
      facts: { operation: 'run_data_stream', currentKib: 2, limitKib: 1, measure: 'private', rssKib: 3 },
    }).toWire();
    const back = errorFromWire(structuredClone(wire));
    expect(back).toBeInstanceOf(MemoryLimitError);
    expect(back.code).toBe(ErrorCode.MEMORY_LIMIT);
    expect(back.facts).toEqual(wire.facts);
  });

  it('holds instanceof for an error branded by another copy of the package', () => {
    const foreign = { [Symbol.for('lean-worker-pool.error')]: true, code: ErrorCode.QUARANTINED };
    expect(foreign instanceof LeanWorkerError).toBe(true);
    expect(foreign instanceof QuarantinedError).toBe(false);
    expect(new Error('x') instanceof LeanWorkerError).toBe(false);
  });
});
