/**
 * Which child generation a supervisor thread runs, and whether a replacement is on its way:
 * a restart announced by an outcome or an event makes leases wait (`whenReady`) until the next
 * generation has started, or fail with the typed reason the replacement never came (restart
 * limit, failed restart, the thread ended).
 */
import type { LeanWorkerError } from '../errors.js';
import type { GenerationInfo } from '../protocol/port-messages.js';

export class Generations {
  #info: GenerationInfo | null = null;
  /** Set while a replacement of this generation is expected; leases wait for it. */
  #awaitingAfter: number | null = null;
  #failure: LeanWorkerError | null = null;
  #waiters: (() => void)[] = [];

  /** Facts of the current generation (internal: carries the pid). */
  get info(): GenerationInfo | null {
    return this.#info;
  }

  /** Record a started generation; false when it is not newer than the one known. */
  set(info: GenerationInfo): boolean {
    if (this.#info && this.#info.generation >= info.generation) return false;
    this.#info = info;
    return true;
  }

  /** A generation announced by the thread has started: it answers a replacement waited for. */
  started(info: GenerationInfo): boolean {
    const newer = this.set(info);
    if (this.#awaitingAfter !== null && info.generation > this.#awaitingAfter) this.#wake();
    return newer;
  }

  /** Generation `generation` is being replaced: wait for a later one. */
  expectAfter(generation: number): void {
    if ((this.#info?.generation ?? -1) > generation) return;
    this.#awaitingAfter = Math.max(this.#awaitingAfter ?? -1, generation);
  }

  /** No replacement will come: `error` says why (the first reason stays, unless `replace`). */
  fail(error: LeanWorkerError, replace = true): void {
    if (replace || !this.#failure) this.#failure = error;
    this.#wake();
  }

  /**
   * Resolves once a replacement announced by a restart has started; rejects with the typed
   * failure when the restart was refused (restart limit) or failed.
   */
  whenReady(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#awaitingAfter === null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push(() => (this.#failure ? reject(this.#failure) : resolve()));
    });
  }

  #wake(): void {
    this.#awaitingAfter = null;
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
