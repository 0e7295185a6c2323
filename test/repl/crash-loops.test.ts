/**
 * Restart intensity judges crash loops, not scattered failures: restarts count only while no
 * request succeeds between them, so a long run with a few crashes keeps every header in service
 * while a header whose checks crash one after another is still quarantined.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { RestartIntensity } from '../../threads/restarts.js';
import { eventually } from '../helpers/proc.js';
import { fakeRepl, MATHLIB, makePool } from './pool-helpers.js';

const check = (snippet: string) => `${MATHLIB}${snippet}\n`;

describe('restart intensity', () => {
  it('counts restarts only since the last success, backoff included', () => {
    const intensity = new RestartIntensity({
      maxRestarts: 2,
      windowMs: 60_000,
      backoffBaseMs: 10,
      backoffMaxMs: 1_000,
    });
    for (let i = 0; i < 50; i++) {
      expect(intensity.admit(i)).toBe(0);
      intensity.succeeded();
    }
    expect(intensity.admit(100)).toBe(0);
    expect(intensity.admit(101)).toBe(10);
    expect(intensity.admit(102)).toBeNull();
  });

  it('keeps a header in service through crashes scattered between successful checks', async () => {
    const pool = makePool({ policy: { restartBackoffBaseMs: 0 } });
    const repl = fakeRepl({}, { policy: { maxRestarts: 2, restartWindowMs: 60_000 } });
    const outcomes: string[] = [];
    for (let i = 0; i < 15; i++) {
      const snippet = check(i % 3 === 2 ? '#crash' : `#eval ${i}`);
      outcomes.push(
        await pool
          .withLease(repl.forSnippet(snippet), (l) => l.check(snippet).summary)
          .then(
            () => 'ok',
            (e: { code: string }) => e.code,
          ),
      );
    }
    expect(outcomes).toEqual(
      Array.from({ length: 15 }, (_, i) => (i % 3 === 2 ? ErrorCode.CHILD_CRASH : 'ok')),
    );
    // The last crash's restart reaches the pool as an event of its own, after the check's result.
    await eventually(() => pool.snapshot().crashRestarts >= 5, 5_000);
    expect(pool.snapshot()).toMatchObject({ quarantinedKeys: 0, crashRestarts: 5 });
  });
});
