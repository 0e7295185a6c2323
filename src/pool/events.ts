/**
 * Lifecycle events on `node:diagnostics_channel`, the Node convention undici uses. Each channel is
 * named `lean-worker-pool:<event>`; payloads are plain objects with no pids or worker ids.
 * Publishing costs nothing when no one subscribes.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

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

/** Publish `payload` on the event's channel if anyone listens. */
export function publish(event: PoolEventName, payload: Record<string, unknown>): void {
  const channel = channels.get(event);
  if (channel?.hasSubscribers) channel.publish(payload);
}
