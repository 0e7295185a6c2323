/**
 * Per-key state with a bound: a map that keeps at most `capacity` keys and forgets the least
 * recently touched one first. Session keys are unbounded (every repl header is a key), so no
 * per-key table of the pool may grow with the keys it has seen.
 */

/** Keys of per-key state a pool keeps at most, per table. */
export const MAX_TRACKED_KEYS = 4_096;

export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;
  /** The most recently touched key: touching it again moves nothing. */
  #last: K | undefined;

  constructor(capacity: number = MAX_TRACKED_KEYS) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** The value of `key`, which becomes the most recently touched. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined && key !== this.#last) {
      this.#last = key;
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Set `key` as the most recently touched, forgetting the least recent beyond the capacity. */
  set(key: K, value: V): this {
    if (key === this.#last) {
      this.#map.set(key, value);
      return this;
    }
    this.#last = key;
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) this.#map.delete(this.#map.keys().next().value as K);
    return this;
  }

  delete(key: K): boolean {
    if (key === this.#last) this.#last = undefined;
    return this.#map.delete(key);
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }
}

/** Keys seen, counted: the count is a counter, only the most recent keys are remembered. */
export class SeenKeys {
  readonly #recent: BoundedMap<string, true>;
  /** Keys counted when first seen (a key forgotten and seen again counts again). */
  distinct = 0;

  constructor(capacity: number = MAX_TRACKED_KEYS) {
    this.#recent = new BoundedMap(capacity);
  }

  note(key: string): void {
    if (this.#recent.get(key) === undefined) {
      this.distinct += 1;
      this.#recent.set(key, true);
    }
  }

  /** Keys remembered now (at most the capacity). */
  get tracked(): number {
    return this.#recent.size;
  }
}
