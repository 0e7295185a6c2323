/**
 * The protocol-specific half of a supervisor. A driver starts one generation of its child kind
 * (spawn plus whatever makes it ready: the v10 handshake, or the repl's header import), reads the
 * child's stdout, and turns one request into exactly one terminal outcome. The supervisor core
 * keeps everything else: generations, restarts, deadlines, cancellation, kill and reap, memory.
 *
 * The core hands a generation any request; each refuses the other kind's (`wrongKind`): INVALID_ARGUMENT,
 * nothing sent.
 *
 * The repl driver (and the repl session stack with its protocol parsers) is loaded only by a thread
 * whose child is a repl: `loadDriver` before `driverFor`. A thread costs every pool worker.
 */
import type { ChildKindSpec } from '../src/protocol/worker-spec.js';
import type { ChildDriver } from './driver-contract.js';
import type { ReplDriver } from './repl-driver.js';
import { V10Driver } from './v10-driver.js';

export * from './driver-contract.js';

let replDriver: typeof ReplDriver | null = null;

/** Load the driver module of `kind`; resolves once `driverFor(kind)` can build it. */
export async function loadDriver(kind: ChildKindSpec | undefined): Promise<void> {
  if (kind?.kind === 'repl') replDriver ??= (await import('./repl-driver.js')).ReplDriver;
}

/**
 * The driver for a child kind (absent: lean-rs-worker protocol v10); `maxJsonDepth` bounds the
 * nesting of the JSON values a v10 child sends.
 */
export function driverFor(kind: ChildKindSpec | undefined, maxJsonDepth?: number): ChildDriver {
  if (kind?.kind !== 'repl') return new V10Driver(maxJsonDepth);
  if (!replDriver) throw new Error('the repl driver is not loaded (loadDriver first)');
  return new replDriver(kind);
}
