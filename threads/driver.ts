/**
 * The protocol-specific half of a supervisor. A driver starts one generation of its child kind
 * (spawn plus whatever makes it ready: the v10 handshake, or the repl's header import), reads the
 * child's stdout, and turns one request into exactly one terminal outcome. The supervisor core
 * keeps everything else: generations, restarts, deadlines, cancellation, kill and reap, memory.
 */
import type { ChildKindSpec } from '../src/protocol/worker-spec.js';
import type { ChildDriver } from './driver-contract.js';
import { ReplDriver } from './repl-driver.js';
import { V10Driver } from './v10-driver.js';

export * from './driver-contract.js';

export function driverFor(kind: ChildKindSpec | undefined, maxJsonDepth?: number): ChildDriver {
  return kind?.kind === 'repl' ? new ReplDriver(kind) : new V10Driver(maxJsonDepth);
}
