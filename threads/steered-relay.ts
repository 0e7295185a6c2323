/**
 * The row relay of one request, wired to the supervisor: no credit pauses the child's stdout and
 * suspends the idle deadline (the child is not silent, the consumer is slow), credit resumes
 * both, and a consumer that closes early cancels the request. It steers only while its request
 * is the one in flight.
 */
import type { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import type { SupervisorEvent } from '../src/protocol/port-messages.js';
import type { RelayOptions } from '../src/protocol/thread-contract.js';
import { RowRelay } from './relay.js';
import type { InFlightWatch } from './watch.js';

export interface RelaySteering {
  /** Whether the relay's request is still the one in flight. */
  isActive(): boolean;
  readonly stdout: Readable;
  watch(): InFlightWatch | null;
  emit(event: SupervisorEvent): void;
  cancel(reason: string): void;
}

export function steeredRelay(
  port: MessagePort,
  options: RelayOptions,
  requestId: number,
  steer: RelaySteering,
): RowRelay {
  const relay: RowRelay = new RowRelay(port, options, {
    pause: () => {
      if (!steer.isActive()) return;
      steer.stdout.pause();
      steer.watch()?.suspendIdle();
      steer.emit({ type: 'backpressure', requestId, waits: relay.waits });
    },
    resume: () => {
      if (!steer.isActive()) return;
      steer.stdout.resume();
      steer.watch()?.resumeIdle();
    },
    consumerClosed: () => steer.cancel('consumer_closed'),
  });
  return relay;
}
