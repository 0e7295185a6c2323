/**
 * Which idle worker to evict for a cold open. `cost` (the default) keeps the workers whose loss
 * would cost most: a key's worth is its decayed request frequency times its open time per KiB of
 * its memory (GreedyDual-Size-Frequency's ratio, with the frequency decaying instead of a global
 * clock), and the lowest goes first. A key whose import takes long, is asked for often, or is
 * small is kept; a big key that is cheap to reopen and rarely asked for goes first. Frequency
 * halves every `halfLifeRequests` requests to the pool, so a key hot long ago ages out. `lru`
 * evicts the least recently used worker.
 *
 * Costs are learned per key: open time from the cold opens (a key never opened takes the mean of
 * the known ones, 1 ms when none is), memory from the pool's memory policy (its prediction, with
 * its own prior for unknown keys). A hint names keys the caller will ask for soon; each hinted
 * occurrence counts as a request until that request comes.
 */
import { BoundedMap } from './bounded-map.js';

export type EvictionPolicyName = 'cost' | 'lru';

/** Requests to the pool after which a key's past requests weigh half. */
export const DEFAULT_FREQUENCY_HALF_LIFE = 100;

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
  readonly #name: EvictionPolicyName;
  readonly #stats = new BoundedMap<string, KeyStats>();
  readonly #hinted = new Map<string, number>();
  readonly #memoryOf: (key: string) => number;
  readonly #halfLife: number;
  #requests = 0;
  #openMsSum = 0;
  #opens = 0;

  /** `memoryOf` gives a key's learned or predicted memory (KiB). */
  constructor(
    name: EvictionPolicyName,
    memoryOf: (key: string) => number,
    halfLifeRequests = DEFAULT_FREQUENCY_HALF_LIFE,
  ) {
    this.#name = name;
    this.#memoryOf = memoryOf;
    this.#halfLife = halfLifeRequests;
  }

  get name(): EvictionPolicyName {
    return this.#name;
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
      if (hinted <= 1) this.#hinted.delete(key);
      else this.#hinted.set(key, hinted - 1);
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
   * Keys the caller will ask for soon, in order (repeats count): each occurrence weighs as a
   * request until the request comes. Replaces the previous hint; unknown keys are harmless.
   */
  hint(keys: readonly string[]): void {
    this.#hinted.clear();
    for (const key of keys) this.#hinted.set(key, (this.#hinted.get(key) ?? 0) + 1);
  }

  /** The candidates in eviction order: the first is evicted first. */
  order<C extends EvictionCandidate>(candidates: readonly C[]): C[] {
    if (this.#name === 'lru') return [...candidates].sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    const scored = candidates.map((c) => ({ c, worth: this.worth(c.key) }));
    scored.sort((a, b) => a.worth - b.worth || a.c.lastUsedAt - b.c.lastUsedAt);
    return scored.map((s) => s.c);
  }

  /** What keeping `key` warm is worth now: decayed and hinted requests x open time per KiB. */
  worth(key: string): number {
    const s = this.#stats.get(key);
    const frequency = (s ? this.#frequency(s) : 0) + (this.#hinted.get(key) ?? 0);
    const meanOpenMs = this.#opens === 0 ? 1 : this.#openMsSum / this.#opens;
    return (frequency * (s?.openMs ?? meanOpenMs)) / Math.max(1, this.#memoryOf(key));
  }
}
