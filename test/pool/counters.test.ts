import { describe, expect, it } from 'vitest';
import { percentile, RecentValues } from '../../src/pool/counters.js';

describe('queue-wait record', () => {
  it('keeps the last `capacity` values, whatever their order, for percentiles', () => {
    const recent = new RecentValues(4);
    for (const v of [1, 2, 3]) recent.record(v);
    expect([...recent.values].sort()).toEqual([1, 2, 3]);
    for (const v of [10, 20, 30]) recent.record(v);
    // 1 and 2 were overwritten by the two oldest slots' successors.
    expect([...recent.values].sort((a, b) => a - b)).toEqual([3, 10, 20, 30]);
    expect(recent.values).toHaveLength(4);
    expect(percentile(recent.values, 50)).toBe(10);
    expect(percentile(recent.values, 99)).toBe(30);
    expect(percentile(new RecentValues(4).values, 50)).toBeNull();
  });
});
