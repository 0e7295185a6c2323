/**
 * Start failures per session key. A key whose workers keep failing to start (a repl header that
 * does not import, a child that dies before it is ready) never gets a worker whose restarts could
 * be counted, so its failed starts count against the restart intensity instead.
 */
import { BoundedMap } from './bounded-map.js';

export class StartFailures {
  readonly #recent = new BoundedMap<string, number[]>();

  /** Note one failed start of `key`; true when that passes `maxRestarts` within `windowMs`. */
  note(key: string, limit: { readonly maxRestarts: number; readonly windowMs: number }): boolean {
    const now = performance.now();
    const recent = (this.#recent.get(key) ?? []).filter((t) => t > now - limit.windowMs);
    recent.push(now);
    if (recent.length > limit.maxRestarts) {
      this.#recent.delete(key);
      return true;
    }
    this.#recent.set(key, recent);
    return false;
  }
}
