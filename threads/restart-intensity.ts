import type { RestartIntensityOptions } from '../src/protocol/thread-contract.js';

export class RestartIntensity {
  readonly options: RestartIntensityOptions;
  #instants: number[] = [];

  constructor(options: RestartIntensityOptions) {
    this.options = options;
  }

  /** A request succeeded: the restarts before it were not a loop and stop counting. */
  succeeded(): void {
    this.#instants = [];
  }

  /** Restarts counted in the current window (since the last success). */
  recent(now: number = performance.now()): number {
    const from = now - this.options.windowMs;
    this.#instants = this.#instants.filter((t) => t > from);
    return this.#instants.length;
  }

  /**
   * Admit one restart: returns the delay to wait before it, or null when the limit is reached.
   * The first restart in a window starts at once.
   */
  admit(now: number = performance.now()): number | null {
    const recent = this.recent(now);
    if (recent >= this.options.maxRestarts) return null;
    this.#instants.push(now);
    if (recent === 0 || this.options.backoffBaseMs === 0) return 0;
    return Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (recent - 1));
  }
}
