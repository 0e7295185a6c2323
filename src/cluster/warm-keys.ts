/**
 * Which affinity keys a node holds warm: its pool's lifecycle events (`generation-started` with
 * reason `initial` adds a worker of a session key, `shutdown` retires one) counted per session key,
 * and the affinity key each session key was last resolved from. The pool lists no keys itself.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { channelName, type PoolEventPayloads } from '../pool/events.js';

/** Session keys remembered for their affinity key (the oldest is forgotten past it). */
const MAX_REMEMBERED = 4096;

export class WarmKeys {
  readonly #poolId: string;
  readonly #workers = new Map<string, number>();
  readonly #affinity = new Map<string, string>();
  readonly #started: (message: unknown) => void;
  readonly #retired: (message: unknown) => void;

  constructor(poolId: string) {
    this.#poolId = poolId;
    this.#started = (message) => {
      const m = message as PoolEventPayloads['generation-started'];
      if (m.poolId === this.#poolId && m.reason === 'initial') this.#add(m.key, 1);
    };
    this.#retired = (message) => {
      const m = message as PoolEventPayloads['shutdown'];
      if (m.poolId === this.#poolId) this.#add(m.key, -1);
    };
    diagnosticsChannel.subscribe(channelName('generation-started'), this.#started);
    diagnosticsChannel.subscribe(channelName('shutdown'), this.#retired);
  }

  #add(sessionKey: string, delta: number): void {
    const n = Math.max(0, (this.#workers.get(sessionKey) ?? 0) + delta);
    if (n === 0) this.#workers.delete(sessionKey);
    else this.#workers.set(sessionKey, n);
  }

  /** Remember that `sessionKey` is what `affinityKey` resolves to on this node. */
  link(sessionKey: string, affinityKey: string): void {
    this.#affinity.delete(sessionKey);
    this.#affinity.set(sessionKey, affinityKey);
    if (this.#affinity.size > MAX_REMEMBERED) {
      const oldest = this.#affinity.keys().next().value;
      if (oldest !== undefined) this.#affinity.delete(oldest);
    }
  }

  /** Whether a worker of `sessionKey` is alive in the pool. */
  has(sessionKey: string): boolean {
    return this.#workers.has(sessionKey);
  }

  /** The affinity keys with a live worker. */
  affinityKeys(): string[] {
    const out = new Set<string>();
    for (const sessionKey of this.#workers.keys()) {
      const a = this.#affinity.get(sessionKey);
      if (a !== undefined) out.add(a);
    }
    return [...out];
  }

  close(): void {
    diagnosticsChannel.unsubscribe(channelName('generation-started'), this.#started);
    diagnosticsChannel.unsubscribe(channelName('shutdown'), this.#retired);
  }
}
