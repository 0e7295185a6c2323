/**
 * Lifecycle events on `node:diagnostics_channel`, the Node convention undici uses. Each channel is
 * named `lean-worker-pool:<event>`; payloads are plain objects (`PoolEventPayloads`) naming the pool (`poolId`) and the session key,
 * with no pids or worker ids.
 * Publishing costs nothing when no one subscribes.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ErrorCode } from '../protocol/error-codes.js';

export const POOL_EVENT_NAMES = [
  'generation-started',
  'request-admitted',
  'backpressure',
  'terminal-outcome',
  'timeout',
  'crash',
  'restart',
  'restart-limit',
  'shutdown',
  'kill',
  'reap',
  'lease-granted',
  'lease-released',
  'admission-refused',
  'eviction',
  'quarantine',
  'protocol-violation',
] as const;

export type PoolEventName = (typeof POOL_EVENT_NAMES)[number];

/** What every event names: the pool (`pool.id`) and the session key of the worker concerned. */
export interface PoolEventBase {
  readonly poolId: string;
  readonly key: string;
}

/** The payload of each event, by name. */
export interface PoolEventPayloads {
  /** A worker's child handshook: its first (`reason: 'initial'`) or a replacement. */
  'generation-started': PoolEventBase & {
    readonly generation: number;
    readonly reason: string;
    readonly workerVersion: string;
  };
  'request-admitted': PoolEventBase & { readonly generation: number; readonly operation: string };
  /**
   * The row relay has waited for the consumer `waits` times so far; published on a request's 1st,
   * 2nd, 4th, 8th... wait (the exact total is the `backpressureWaits` counter).
   */
  backpressure: PoolEventBase & { readonly waits: number };
  'terminal-outcome': PoolEventBase & {
    readonly generation: number;
    readonly ok: boolean;
    readonly elapsedMs: number;
    /** The failure's code when `ok` is false. */
    readonly code?: ErrorCode;
  };
  /** A request passed its deadline; the error's facts are spread in. */
  timeout: PoolEventBase & {
    readonly generation: number;
    readonly ok: boolean;
    readonly elapsedMs: number;
    readonly [fact: string]: unknown;
  };
  /** A child died (`exitCode`/`signal`) or a replacement failed to start (`phase: 'restart'`, `code`). */
  crash: PoolEventBase & {
    readonly generation: number;
    readonly exitCode?: number | null;
    readonly signal?: string | null;
    readonly inFlight?: boolean;
    readonly code?: ErrorCode;
    readonly phase?: 'restart';
  };
  restart: PoolEventBase & { readonly generation: number; readonly reason: string; readonly delayMs: number };
  'restart-limit': PoolEventBase & { readonly restarts: number; readonly windowMs: number };
  shutdown: PoolEventBase & { readonly mode: string };
  kill: PoolEventBase & { readonly generation: number; readonly reason: string };
  reap: PoolEventBase & {
    readonly generation: number;
    readonly exitCode: number | null;
    readonly signal: string | null;
  };
  'lease-granted': PoolEventBase & { readonly generation: number };
  'lease-released': PoolEventBase & { readonly generation: number };
  /**
   * `reason`: `queue_full`, `queue_timeout` (with `waitedMs`), `memory_budget`, `max_workers` or
   * `quarantined`; `waitedFor`: why it waited or could not be served at once (the error's fact).
   */
  'admission-refused': PoolEventBase & {
    readonly reason: string;
    readonly waitedMs?: number;
    readonly waitedFor?: string | null;
    readonly client?: string;
  };
  /** An idle worker of `key` was shut down to make room for `forKey`. */
  eviction: PoolEventBase & { readonly forKey: string };
  quarantine: PoolEventBase & { readonly forMs: number };
  'protocol-violation': PoolEventBase & { readonly generation: number; readonly code: ErrorCode };
}

/** The payload of `event`. */
export type PoolEventPayload<E extends PoolEventName = PoolEventName> = PoolEventPayloads[E];

/** The channel name of an event. */
export function channelName(event: PoolEventName): string {
  return `lean-worker-pool:${event}`;
}

const channels = new Map<PoolEventName, diagnosticsChannel.Channel>(
  POOL_EVENT_NAMES.map((name) => [name, diagnosticsChannel.channel(channelName(name))]),
);

/** Whether anyone listens to `event` (to skip building a payload on a hot path). */
export function listening(event: PoolEventName): boolean {
  return channels.get(event)?.hasSubscribers === true;
}

/** Publish `facts` about the worker or acquire of `key`, with the pool's id, if anyone listens. */
export function publish<E extends PoolEventName>(
  event: E,
  poolId: string,
  key: string,
  facts: Omit<PoolEventPayloads[E], 'poolId' | 'key'>,
): void {
  const channel = channels.get(event);
  if (channel?.hasSubscribers) channel.publish({ poolId, key, ...facts });
}
