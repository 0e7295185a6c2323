/**
 * Per-key tables stay bounded by MAX_TRACKED_KEYS however many session keys pass through: learned
 * costs, quarantine, failed starts and the keys seen (whose distinct count stays a counter).
 */
import { describe, expect, it } from 'vitest';
import { BoundedMap, MAX_TRACKED_KEYS, SeenKeys } from '../../src/pool/bounded-map.js';
import { MemoryPolicy } from '../../src/pool/memory-policy.js';
import { parsePoolOptions } from '../../src/pool/options.js';
import { Quarantine } from '../../src/pool/quarantine.js';
import type { MemorySample } from '../../src/protocol/port-messages.js';

const KEYS = MAX_TRACKED_KEYS * 2;

describe('bounded per-key state', () => {
  it('forgets the least recently touched key first', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect([map.has('a'), map.has('b'), map.has('c')]).toEqual([true, false, true]);
    expect(map.size).toBe(2);
  });

  it('keeps the recency order through touches, updates and deletes', () => {
    const map = new BoundedMap<string, number>(3);
    map.set('a', 1).set('b', 2).set('c', 3);
    map.get('a');
    map.set('b', 20);
    expect([...map.values()]).toEqual([3, 1, 20]);
    expect(map.delete('a')).toBe(true);
    expect(map.delete('a')).toBe(false);
    map.set('d', 4).set('e', 5);
    // c was the least recently touched: it goes first.
    expect([map.has('c'), map.has('b'), map.has('d'), map.has('e')]).toEqual([false, true, true, true]);
    expect([...map.values()]).toEqual([20, 4, 5]);
    map.delete('e');
    map.delete('b');
    map.delete('d');
    expect([...map.values()]).toEqual([]);
    map.set('f', 6);
    expect([...map.values()]).toEqual([6]);
    expect(map.size).toBe(1);
  });

  it('counts keys seen without keeping them all', () => {
    const seen = new SeenKeys();
    for (let i = 0; i < KEYS; i++) seen.note(`k${i}`);
    seen.note(`k${KEYS - 1}`);
    expect(seen.distinct).toBe(KEYS);
    expect(seen.tracked).toBe(MAX_TRACKED_KEYS);
  });

  it('bounds learned costs and quarantined keys', () => {
    const policy = new MemoryPolicy(parsePoolOptions({}));
    const sample = {
      available: true,
      privateKib: 100,
      rssKib: 200,
      pssKib: null,
      rssFileKib: 0,
    } as MemorySample;
    for (let i = 0; i < KEYS; i++) policy.learn(`k${i}`, sample);
    expect(policy.learnedKeys()).toBe(MAX_TRACKED_KEYS);
    expect(policy.predict(`k${KEYS - 1}`)).toBe(100);
    const quarantine = new Quarantine(60_000);
    for (let i = 0; i < KEYS; i++) quarantine.add(`k${i}`);
    expect(quarantine.size).toBe(MAX_TRACKED_KEYS);
    expect(quarantine.refusal(`k${KEYS - 1}`)).not.toBeNull();
    const failing = new Quarantine(60_000);
    for (let i = 0; i < KEYS; i++) failing.noteFailedStart(`k${i}`, { maxRestarts: 5, windowMs: 60_000 });
    expect(failing.trackedFailedStarts).toBe(MAX_TRACKED_KEYS);
    expect(failing.size).toBe(0);
  });
});
