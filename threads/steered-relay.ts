/**
 * The row relay of one request, wired to the supervisor: no credit pauses the child's stdout and
 * suspends the idle deadline (the child is not silent, the consumer is slow), credit resumes
 * both, and a consumer that closes early cancels the request. It steers only while its request
 * is the one in flight.
 *
 * The owner hears of waits as `backpressure` events on the 1st, 2nd, 4th, 8th... wait of a
 * request (`waits` is the count so far), so a stream that waits W times sends about log2(W)
 * events to the main thread, not W: a consumer in another thread keeps the main thread idle. The
 * exact count arrives with the terminal outcome (`stats.backpressureWaits`).
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

/** Whether the `waits`-th wait is told to the owner: the first, then each power of two. */
export function reportsWait(waits: number): boolean {
  return waits > 0 && (waits & (waits - 1)) === 0;
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
      if (reportsWait(relay.waits)) steer.emit({ type: 'backpressure', requestId, waits: relay.waits });
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
