/**
 * Quarantine of session keys whose workers crash-loop: past the restart intensity (or after
 * repeated start failures) a key fails fast with QUARANTINED for `quarantineMs` instead of
 * spawning again.
 */
import type { LeanWorkerError } from '../errors.js';
import { BoundedMap } from './bounded-map.js';
import { publish } from './events.js';
import { quarantinedError } from './refusals.js';

export class Quarantine {
  readonly #until = new BoundedMap<string, number>();
  readonly #forMs: number;
  readonly #poolId: string;

  constructor(forMs: number, poolId = '') {
    this.#forMs = forMs;
    this.#poolId = poolId;
  }

  /** Quarantine `key` from now on, for `forMs` (its worker policy's) or the pool's default. */
  add(key: string, forMs = this.#forMs): void {
    this.#until.set(key, performance.now() + forMs);
    publish('quarantine', this.#poolId, { key, forMs });
  }

  /** The QUARANTINED error while `key` is quarantined, else null. */
  refusal(key: string): LeanWorkerError | null {
    const until = this.#until.get(key);
    const now = performance.now();
    if (until === undefined) return null;
    if (until <= now) {
      this.#until.delete(key);
      return null;
    }
    return quarantinedError(until - now);
  }

  /** Keys quarantined now. */
  get size(): number {
    const now = performance.now();
    let n = 0;
    for (const until of this.#until.values()) if (until > now) n += 1;
    return n;
  }
}
