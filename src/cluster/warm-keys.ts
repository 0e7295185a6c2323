/**
 * Which affinity keys a node holds warm: its pool's lifecycle events (`generation-started` with
 * reason `initial` adds a worker of a session key, `shutdown` retires one; `lease-granted` and
 * `lease-released` count the leased ones) counted per session key, and the affinity key each
 * session key was last resolved from. The pool lists no keys itself.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { channelName, type PoolEventName, type PoolEventPayloads } from '../pool/events.js';

/** Session keys remembered for their affinity key (the oldest is forgotten past it). */
const MAX_REMEMBERED = 4096;

function count(map: Map<string, number>, key: string, delta: number): void {
  const n = Math.max(0, (map.get(key) ?? 0) + delta);
  if (n === 0) map.delete(key);
  else map.set(key, n);
}

export class WarmKeys {
  readonly #workers = new Map<string, number>();
  readonly #affinity = new Map<string, string>();
  readonly #leased = new Map<string, number>();
  readonly #subscriptions: readonly (readonly [PoolEventName, (message: unknown) => void])[];

  constructor(poolId: string) {
    // Each handler sees only this pool's events.
    const on = <E extends PoolEventName>(event: E, handle: (m: PoolEventPayloads[E]) => void) => {
      const listener = (message: unknown) => {
        const m = message as PoolEventPayloads[E];
        if (m.poolId === poolId) handle(m);
      };
      return [event, listener] as const;
    };
    this.#subscriptions = [
      on('generation-started', (m) => {
        if (m.reason === 'initial') count(this.#workers, m.key, 1);
      }),
      on('shutdown', (m) => count(this.#workers, m.key, -1)),
      on('lease-granted', (m) => count(this.#leased, m.key, 1)),
      on('lease-released', (m) => count(this.#leased, m.key, -1)),
    ];
    for (const [name, fn] of this.#subscriptions) diagnosticsChannel.subscribe(channelName(name), fn);
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
    for (const [name, fn] of this.#subscriptions) diagnosticsChannel.unsubscribe(channelName(name), fn);
  }
}
