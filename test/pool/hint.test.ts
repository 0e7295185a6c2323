/** `pool.hint()`: the keys a caller says it needs next stay warm; a bad hint is refused, an unknown key is harmless. */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { fakePool, fakeSource } from './fake-workers.js';
import { makePool } from './helpers.js';

describe('hints', () => {
  it.each(['lru', 'cost'] as const)(
    'with eviction %s, a cold open evicts the worker not hinted, not the hinted one used least recently',
    async (eviction) => {
      const pool = fakePool({ maxWorkers: 2, eviction });
      (await pool.lease('A')).release();
      for (let i = 0; i < 3; i++) (await pool.lease('B')).release();
      pool.admission.hint(['C', 'A', 'never-asked']);
      (await pool.lease('C')).release();
      expect(pool.of('B')[0]?.shutdowns).toEqual(['graceful']);
      expect(pool.of('A')[0]?.closed).toBe(false);
      // Without the hint, the same trace evicts A (least recent, and asked for least).
      const plain = fakePool({ maxWorkers: 2, eviction });
      (await plain.lease('A')).release();
      for (let i = 0; i < 3; i++) (await plain.lease('B')).release();
      (await plain.lease('C')).release();
      expect(plain.of('A')[0]?.shutdowns).toEqual(['graceful']);
    },
  );

  it('takes sources, and refuses anything else with INVALID_ARGUMENT', () => {
    const pool = makePool();
    expect(() => pool.hint([fakeSource('A'), fakeSource('unknown')])).not.toThrow();
    expect(() => pool.hint([])).not.toThrow();
    for (const bad of [null, 'A', [{ sessionKey: () => 'A' }], [fakeSource('A'), 3]]) {
      let code: unknown;
      try {
        pool.hint(bad as never);
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      expect(code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});
