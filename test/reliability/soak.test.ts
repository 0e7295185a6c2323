/**
 * The short soak (the full one is `npm run soak`): 300 streaming requests over random session
 * keys with 5% injected faults. No row lost on a successful request, exactly one terminal outcome
 * per request, pool counters that match, every fault ending in the code it must, no orphans.
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak.js';

describe('soak (short)', () => {
  it('300 requests with 5% faults: zero lost rows, one outcome each, zero orphans', async () => {
    const requests = 300;
    const report = await runSoak({
      requests,
      faultRate: 0.05,
      keys: 4,
      maxWorkers: 8,
      concurrency: 4,
      seed: 11,
    });
    expect(report.mismatches).toEqual([]);
    expect(report.lostRows).toBe(0);
    expect(report.terminalOutcomes).toBe(requests);
    expect(report.poolStreamRequests).toBe(requests);
    expect(report.poolStreamOutcomes).toBe(requests);
    expect(report.orphans).toBe(0);
    const failures = requests - (report.outcomes.ok ?? 0);
    expect(failures).toBeGreaterThan(0);
    expect(report.successes).toBe(report.outcomes.ok);
    expect(report.rowsOnSuccess).toBeGreaterThanOrEqual(report.successes);
  }, 120_000);
});
