/**
 * Quarantine of session keys whose workers crash-loop: past the restart intensity a key fails
 * fast with QUARANTINED for `quarantineMs` instead of spawning again. A key whose workers keep
 * failing to start (a repl header that does not import, a child that dies before it is ready)
 * never gets a worker whose restarts could be counted, so its failed starts count against the
 * restart intensity instead.
 */
import { ErrorCode, type ErrorOf, makeError } from '../errors.js';
import { BoundedMap } from './bounded-map.js';
import { publish } from './events.js';

export class Quarantine {
  readonly #until = new BoundedMap<string, number>();
  /** Recent failed starts per key. */
  readonly #failedStarts = new BoundedMap<string, number[]>();
  readonly #forMs: number;
  readonly #poolId: string;

  constructor(forMs: number, poolId = '') {
    this.#forMs = forMs;
    this.#poolId = poolId;
  }

  /** Quarantine `key` from now on, for `forMs` (its worker policy's) or the pool's default. */
  add(key: string, forMs = this.#forMs): void {
    this.#until.set(key, performance.now() + forMs);
    publish('quarantine', this.#poolId, key, { forMs });
  }

  /** Note one failed start of `key`; past `maxRestarts` within `windowMs` it is quarantined for `forMs`. */
  noteFailedStart(
    key: string,
    limit: { readonly maxRestarts: number; readonly windowMs: number },
    forMs = this.#forMs,
  ): void {
    const now = performance.now();
    const recent = (this.#failedStarts.get(key) ?? []).filter((t) => t > now - limit.windowMs);
    recent.push(now);
    if (recent.length <= limit.maxRestarts) {
      this.#failedStarts.set(key, recent);
      return;
    }
    this.#failedStarts.delete(key);
    this.add(key, forMs);
  }

  /** The QUARANTINED error while `key` is quarantined, else null. */
  refusal(key: string): ErrorOf<typeof ErrorCode.QUARANTINED> | null {
    const until = this.#until.get(key);
    const now = performance.now();
    if (until === undefined) return null;
    if (until <= now) {
      this.#until.delete(key);
      return null;
    }
    return makeError(ErrorCode.QUARANTINED, 'this session key is quarantined after a restart loop', {
      facts: { retryAfterMs: Math.ceil(until - now) },
    });
  }

  /** Keys quarantined now. */
  get size(): number {
    const now = performance.now();
    return [...this.#until.values()].filter((until) => until > now).length;
  }

  /** Keys whose failed starts are remembered now (at most `MAX_TRACKED_KEYS`). */
  get trackedFailedStarts(): number {
    return this.#failedStarts.size;
  }
}
