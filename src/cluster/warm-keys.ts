/**
 * Which affinity keys a node holds warm: its pool's lifecycle events (`generation-started` with
 * reason `initial` adds a worker of a session key, `shutdown` retires one; `lease-granted` and
 * `lease-released` count the leased ones) counted per session key, and the affinity key each
 * session key was last resolved from. The pool lists no keys itself.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { channelName, type PoolEventPayloads } from '../pool/events.js';

/** Session keys remembered for their affinity key (the oldest is forgotten past it). */
const MAX_REMEMBERED = 4096;

function count(map: Map<string, number>, key: string, delta: number): void {
  const n = Math.max(0, (map.get(key) ?? 0) + delta);
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

export class WarmKeys {
  readonly #poolId: string;
  readonly #workers = new Map<string, number>();
  readonly #affinity = new Map<string, string>();
  readonly #leased = new Map<string, number>();
  readonly #started: (message: unknown) => void;
  readonly #retired: (message: unknown) => void;
  readonly #granted: (message: unknown) => void;
  readonly #released: (message: unknown) => void;

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
    this.#granted = (message) => {
      const m = message as PoolEventPayloads['lease-granted'];
      if (m.poolId === this.#poolId) count(this.#leased, m.key, 1);
    };
    this.#released = (message) => {
      const m = message as PoolEventPayloads['lease-released'];
      if (m.poolId === this.#poolId) count(this.#leased, m.key, -1);
    };
    for (const [name, fn] of this.#subscriptions()) diagnosticsChannel.subscribe(channelName(name), fn);
  }

  #subscriptions() {
    return [
      ['generation-started', this.#started],
      ['shutdown', this.#retired],
      ['lease-granted', this.#granted],
      ['lease-released', this.#released],
    ] as const;
  }

  #add(sessionKey: string, delta: number): void {
    count(this.#workers, sessionKey, delta);
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

  /** The affinity keys with a live worker (`idle`: with a worker not leased now). */
  affinityKeys(idle = false): string[] {
    const out = new Set<string>();
    for (const [sessionKey, workers] of this.#workers) {
      if (idle && workers <= (this.#leased.get(sessionKey) ?? 0)) continue;
      const a = this.#affinity.get(sessionKey);
      if (a !== undefined) out.add(a);
    }
    return [...out];
  }

  close(): void {
    for (const [name, fn] of this.#subscriptions()) diagnosticsChannel.unsubscribe(channelName(name), fn);
  }
}
