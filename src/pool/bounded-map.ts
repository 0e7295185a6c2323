/**
 * Per-key state with a bound: a map that keeps at most `capacity` keys and forgets the least
 * recently touched one first. Session keys are unbounded (every repl header is a key), so no
 * per-key table of the pool may grow with the keys it has seen.
 */

/** Keys of per-key state a pool keeps at most, per table. */
export const MAX_TRACKED_KEYS = 4_096;

interface Entry<K, V> {
  readonly key: K;
  value: V;
  /** Touched less recently (toward the one forgotten first). */
  older: Entry<K, V> | null;
  /** Touched more recently. */
  newer: Entry<K, V> | null;
}

/**
 * The recency order is a linked list of entries beside the map, so touching a key moves two
 * pointers. (Reordering the map itself by delete and set measured 1.7-1.9 us a touch at about
 * 11,000 keys, against 0.13-0.16 us for a lookup.)
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, Entry<K, V>>();
  readonly #capacity: number;
  /** The least recently touched entry: forgotten first. */
  #oldest: Entry<K, V> | null = null;
  /** The most recently touched entry. */
  #newest: Entry<K, V> | null = null;

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
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    this.#touch(entry);
    return entry.value;
  }

  /** Set `key` as the most recently touched, forgetting the least recent beyond the capacity. */
  set(key: K, value: V): this {
    const entry = this.#map.get(key);
    if (entry !== undefined) {
      entry.value = value;
      this.#touch(entry);
      return this;
    }
    const added: Entry<K, V> = { key, value, older: this.#newest, newer: null };
    if (this.#newest) this.#newest.newer = added;
    else this.#oldest = added;
    this.#newest = added;
    this.#map.set(key, added);
    if (this.#map.size > this.#capacity && this.#oldest) this.delete(this.#oldest.key);
    return this;
  }

  delete(key: K): boolean {
    const entry = this.#map.get(key);
    if (entry === undefined) return false;
    this.#unlink(entry);
    return this.#map.delete(key);
  }

  /** The values, least recently touched first. */
  *values(): IterableIterator<V> {
    for (let e = this.#oldest; e !== null; e = e.newer) yield e.value;
  }

  #touch(entry: Entry<K, V>): void {
    if (entry === this.#newest) return;
    this.#unlink(entry);
    entry.older = this.#newest;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry<K, V>): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = null;
    entry.newer = null;
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
