/**
 * Which idle worker to evict for a cold open. `cost` keeps the workers whose loss
 * would cost most: a key's worth is its decayed request frequency times its open time per KiB of
 * its memory (GreedyDual-Size-Frequency's ratio, with the frequency decaying instead of a global
 * clock), and the lowest goes first. A key whose import takes long, is asked for often, or is
 * small is kept; a big key that is cheap to reopen and rarely asked for goes first. Frequency
 * halves every `halfLifeRequests` requests to the pool, so a key hot long ago ages out. `lru`
 * (the default) evicts the least recently used worker.
 *
 * Costs are learned per key: open time from the cold opens (a key never opened takes the mean of
 * the known ones, 1 ms when none is), memory from the pool's memory policy (its prediction, with
 * its own prior for unknown keys).
 *
 * A hint (`pool.hint`) names the keys the caller will ask for next, in order. Under either policy
 * a hinted key is evicted after every key not hinted, and between hinted keys the one whose next
 * hinted request is furthest away goes first (Belady's rule on what the caller said). Each
 * request of a hinted key consumes its first hinted occurrence; a key hinted but never asked for
 * weighs like any other once the hint is replaced. Unknown keys in a hint cost one map entry each.
 */
import { BoundedMap } from './bounded-map.js';

export type EvictionPolicyName = 'cost' | 'lru';

/** Requests to the pool after which a key's past requests weigh half. */
export const DEFAULT_FREQUENCY_HALF_LIFE = 100;
/** Keys one hint may name (repeats included). */
export const MAX_HINTED_KEYS = 100_000;

/** An idle worker that may be evicted. */
export interface EvictionCandidate {
  readonly key: string;
  /** `performance.now()` of its last release. */
  readonly lastUsedAt: number;
}

interface KeyStats {
  /** Decayed request count as of request number `at`. */
  frequency: number;
  at: number;
  openMs: number | null;
}

export class EvictionPolicy {
  readonly #stats = new BoundedMap<string, KeyStats>();
  /** Hinted positions of each key still to come, ascending; the hint is replaced as a whole. */
  readonly #hinted = new Map<string, number[]>();
  readonly #memoryOf: (key: string) => number;
  readonly #halfLife: number;
  #requests = 0;
  #openMsSum = 0;
  #opens = 0;

  /** `memoryOf` gives a key's learned or predicted memory (KiB). */
  constructor(
    readonly name: EvictionPolicyName,
    memoryOf: (key: string) => number,
    halfLifeRequests = DEFAULT_FREQUENCY_HALF_LIFE,
  ) {
    this.#memoryOf = memoryOf;
    this.#halfLife = halfLifeRequests;
  }

  #of(key: string): KeyStats {
    let s = this.#stats.get(key);
    if (!s) {
      s = { frequency: 0, at: this.#requests, openMs: null };
      this.#stats.set(key, s);
    }
    return s;
  }

  /** `s.frequency` decayed to now. */
  #frequency(s: KeyStats): number {
    return s.frequency * 2 ** ((s.at - this.#requests) / this.#halfLife);
  }

  /** A lease was granted for `key` (warm or cold). */
  noteRequest(key: string): void {
    this.#requests += 1;
    const s = this.#of(key);
    s.frequency = this.#frequency(s) + 1;
    s.at = this.#requests;
    const hinted = this.#hinted.get(key);
    if (hinted !== undefined) {
      hinted.shift();
      if (hinted.length === 0) this.#hinted.delete(key);
    }
  }

  /** A cold open of `key` took `ms` (spawn, handshake and session open); the longest is kept. */
  noteOpen(key: string, ms: number): void {
    const s = this.#of(key);
    if (s.openMs === null) {
      this.#opens += 1;
      this.#openMsSum += ms;
      s.openMs = ms;
    } else if (ms > s.openMs) {
      this.#openMsSum += ms - s.openMs;
      s.openMs = ms;
    }
  }

  /**
   * Keys the caller will ask for next, in order (repeats count, at most `MAX_HINTED_KEYS`).
   * Replaces the previous hint; an empty list clears it; unknown keys are harmless.
   */
  hint(keys: readonly string[]): void {
    this.#hinted.clear();
    keys.slice(0, MAX_HINTED_KEYS).forEach((key, at) => {
      const positions = this.#hinted.get(key);
      if (positions) positions.push(at);
      else this.#hinted.set(key, [at]);
    });
  }

  /** Hinted requests of `key` still to come. */
  hinted(key: string): number {
    return this.#hinted.get(key)?.length ?? 0;
  }

  /** The candidates in eviction order: the first is evicted first. */
  order<C extends EvictionCandidate>(candidates: readonly C[]): C[] {
    const scored = candidates.map((c) => ({
      c,
      next: this.#hinted.get(c.key)?.[0] ?? Number.POSITIVE_INFINITY,
      worth: this.name === 'lru' ? c.lastUsedAt : this.worth(c.key),
    }));
    // Not hinted (next = Infinity) first; then the hinted key needed furthest ahead.
    scored.sort((a, b) => b.next - a.next || a.worth - b.worth || a.c.lastUsedAt - b.c.lastUsedAt);
    return scored.map((s) => s.c);
  }

  /** Decayed request frequency of `key` plus its hinted requests still to come. */
  frequency(key: string): number {
    const s = this.#stats.get(key);
    return (s ? this.#frequency(s) : 0) + this.hinted(key);
  }

  /** Learned open time of `key` (ms): its longest cold open, else the mean of the known ones. */
  openMs(key: string): number {
    return this.#stats.get(key)?.openMs ?? (this.#opens === 0 ? 1 : this.#openMsSum / this.#opens);
  }

  /** What keeping `key` warm is worth now: decayed and hinted requests x open time per KiB. */
  worth(key: string): number {
    return (this.frequency(key) * this.openMs(key)) / Math.max(1, this.#memoryOf(key));
  }
}
