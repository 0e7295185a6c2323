/**
 * Request traces for scheduling benchmarks, and the bound they are judged against. Traces are
 * seeded, so every policy sees the same one. `beladyHits` is the most warm hits any cache of `slots`
 * workers can get on a trace without reordering it: on a miss it evicts the key needed furthest in
 * the future (Belady's MIN).
 */
import { seededRandom } from './stats.js';

/** `requests` key indices in [0, keys) drawn with Zipf(s) weights. */
export function zipfTrace(requests: number, keys: number, s: number, seed: number): number[] {
  const weights = Array.from({ length: keys }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) {
    acc += w / total;
    cumulative.push(acc);
  }
  const random = seededRandom(seed);
  return Array.from({ length: requests }, () => {
    const u = random();
    const i = cumulative.findIndex((c) => u < c);
    return i < 0 ? keys - 1 : i;
  });
}

/**
 * A bursty trace: runs of one key (length 1 to `maxBurst`) over a Zipf(s) choice of keys, as a
 * checker sees when a batch of snippets shares one header.
 */
export function burstyTrace(
  requests: number,
  keys: number,
  s: number,
  maxBurst: number,
  seed: number,
): number[] {
  const choices = zipfTrace(requests, keys, s, seed);
  const random = seededRandom(seed + 1);
  const out: number[] = [];
  for (const key of choices) {
    const run = 1 + Math.floor(random() * maxBurst);
    for (let i = 0; i < run && out.length < requests; i++) out.push(key);
    if (out.length >= requests) break;
  }
  return out;
}

/** A Zipf(s) trace whose popular keys change every quarter: the ranks rotate by a quarter of the keys. */
export function shiftingTrace(requests: number, keys: number, s: number, seed: number): number[] {
  const shift = Math.max(1, Math.floor(keys / 4));
  return zipfTrace(requests, keys, s, seed).map(
    (k, i) => (k + shift * Math.floor((4 * i) / requests)) % keys,
  );
}

/** Warm hits of Belady's MIN with `slots` warm workers on `trace`. */
export function beladyHits(trace: readonly number[], slots: number): number {
  // next[i]: the index of the next request for trace[i]'s key after i (Infinity when none).
  const next = new Array<number>(trace.length).fill(Number.POSITIVE_INFINITY);
  const seen = new Map<number, number>();
  for (let i = trace.length - 1; i >= 0; i--) {
    const key = trace[i] as number;
    next[i] = seen.get(key) ?? Number.POSITIVE_INFINITY;
    seen.set(key, i);
  }
  const warm = new Map<number, number>(); // key -> index of its next use
  let hits = 0;
  for (let i = 0; i < trace.length; i++) {
    const key = trace[i] as number;
    if (warm.has(key)) hits += 1;
    else if (warm.size >= slots) {
      let victim = -1;
      let furthest = -1;
      for (const [k, nextUse] of warm) {
        if (nextUse > furthest) {
          furthest = nextUse;
          victim = k;
        }
      }
      warm.delete(victim);
    }
    warm.set(key, next[i] as number);
  }
  return hits;
}
