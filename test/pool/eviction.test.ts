/** The eviction policies on small deterministic traces (no pool, no processes). */
import { describe, expect, it } from 'vitest';
import { beladyHits } from '../../bench/lib/traces.js';
import { EvictionPolicy } from '../../src/pool/eviction.js';

const idle = (key: string, lastUsedAt: number) => ({ key, lastUsedAt });
const victimOf = (policy: EvictionPolicy, candidates: ReturnType<typeof idle>[]) =>
  policy.order(candidates)[0]?.key;

describe('eviction policies', () => {
  it('lru evicts the least recently used worker whatever its key costs', () => {
    const policy = new EvictionPolicy('lru', () => 1);
    for (let i = 0; i < 10; i++) policy.noteRequest('hot');
    expect(victimOf(policy, [idle('once', 20), idle('hot', 10)])).toBe('hot');
  });

  it('cost keeps a key asked for often over a one-off used more recently', () => {
    const policy = new EvictionPolicy('cost', () => 1024);
    for (let i = 0; i < 10; i++) policy.noteRequest('hot');
    policy.noteRequest('once');
    for (const key of ['hot', 'once']) policy.noteOpen(key, 5_000);
    expect(victimOf(policy, [idle('once', 20), idle('hot', 10)])).toBe('once');
  });

  it('cost evicts, between keys asked for as often, the one cheapest to reopen per KiB it holds', () => {
    const memory: Record<string, number> = { big: 6 << 20, small: 1 << 20, slow: 6 << 20 };
    const policy = new EvictionPolicy('cost', (key) => memory[key] ?? 1);
    for (const key of ['big', 'small', 'slow']) policy.noteRequest(key);
    policy.noteOpen('big', 2_000);
    policy.noteOpen('small', 2_000);
    policy.noteOpen('slow', 60_000);
    expect(policy.order([idle('small', 1), idle('slow', 2), idle('big', 3)]).map((c) => c.key)).toEqual([
      'big',
      'small',
      'slow',
    ]);
  });

  it('gives a key never opened the mean open time of the known ones', () => {
    const policy = new EvictionPolicy('cost', () => 1, Number.MAX_SAFE_INTEGER);
    for (const key of ['a', 'b', 'fresh']) policy.noteRequest(key);
    policy.noteOpen('a', 1_000);
    policy.noteOpen('b', 3_000);
    expect(policy.worth('fresh')).toBeCloseTo(policy.worth('a') * 2, 6);
  });

  it('keeps a hinted key until the hinted requests come; unknown hinted keys are harmless', () => {
    const policy = new EvictionPolicy('cost', () => 1);
    for (let i = 0; i < 3; i++) policy.noteRequest('busy');
    policy.noteRequest('next');
    expect(victimOf(policy, [idle('busy', 1), idle('next', 2)])).toBe('next');
    policy.hint(['next', 'next', 'next', 'next', 'never-seen']);
    expect(victimOf(policy, [idle('busy', 1), idle('next', 2)])).toBe('busy');
    for (let i = 0; i < 4; i++) policy.noteRequest('next');
    // The hint is spent; five real requests of `next` now outweigh three of `busy`.
    expect(policy.worth('next')).toBeGreaterThan(policy.worth('busy'));
    policy.hint(['never-seen', 'also-unknown']);
    expect(victimOf(policy, [idle('busy', 1), idle('next', 2)])).toBe('busy');
  });

  it.each(['lru', 'cost'] as const)(
    'with %s, evicts keys not hinted first, then the hinted key needed furthest ahead',
    (name) => {
      const policy = new EvictionPolicy(name, () => 1);
      for (let i = 0; i < 20; i++) policy.noteRequest('hot');
      for (const key of ['a', 'b', 'hot']) policy.noteOpen(key, 1_000);
      policy.hint(['a', 'unknown', 'b', 'a']);
      const candidates = [idle('a', 1), idle('b', 2), idle('hot', 3)];
      expect(policy.order(candidates).map((c) => c.key)).toEqual(['hot', 'b', 'a']);
      // `a`'s first hinted request came: its next one (position 3) is now furthest ahead.
      policy.noteRequest('a');
      expect(policy.order(candidates).map((c) => c.key)).toEqual(['hot', 'a', 'b']);
      expect(policy.hinted('a')).toBe(1);
      policy.hint([]);
      expect(policy.hinted('a')).toBe(0);
      expect(policy.order(candidates)[0]?.key).toBe(name === 'lru' ? 'a' : 'b');
    },
  );

  it('lets a key hot long ago age out against one in use now', () => {
    const policy = new EvictionPolicy('cost', () => 1, 10);
    for (let i = 0; i < 50; i++) policy.noteRequest('yesterday');
    for (let i = 0; i < 100; i++) policy.noteRequest(i % 4 === 0 ? 'today' : `other-${i}`);
    expect(victimOf(policy, [idle('today', 1), idle('yesterday', 2)])).toBe('yesterday');
  });

  it('Belady bound: evicts the key needed furthest ahead', () => {
    // Slots 2: a b c a b c: Belady keeps a then b (c's next use is furthest), 2 hits; LRU gets 0.
    expect(beladyHits([0, 1, 2, 0, 1, 2], 2)).toBe(2);
    expect(beladyHits([0, 0, 0], 1)).toBe(2);
    expect(beladyHits([0, 1, 0, 1], 2)).toBe(2);
  });
});
