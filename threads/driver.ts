/**
 * The protocol-specific half of a supervisor. A driver starts one generation of its child kind
 * (spawn plus whatever makes it ready: the v10 handshake, or the repl's header import), reads the
 * child's stdout, and turns one request into exactly one terminal outcome. The supervisor core
 * keeps everything else: generations, restarts, deadlines, cancellation, kill and reap, memory.
 *
 * Each driver is typed by the requests of its kind; the core hands it any request, so the kind is
 * checked here, once, at the door: a request of the other kind is INVALID_ARGUMENT, nothing sent.
 *
 * The repl driver (and the repl session stack with its protocol parsers) is loaded only by a thread
 * whose child is a repl: `loadDriver` before `driverFor`. A thread costs every pool worker.
 */
import { ErrorCode } from '../src/protocol/error-codes.js';
import { type AnySupervisorRequest, isReplRequest, isV10Request } from '../src/protocol/thread-contract.js';
import type { ChildKindSpec, WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildDriver, DriverGeneration, GenerationLink } from './driver-contract.js';
import { wireError } from './outcome.js';
import type { RowRelay } from './relay.js';
import type { ReplDriver } from './repl-driver.js';
import { V10Driver } from './v10-driver.js';

export * from './driver-contract.js';

/** A generation that passes only requests of its kind to the driver's own. */
class KindCheckedGeneration<Req extends AnySupervisorRequest> implements DriverGeneration {
  readonly #inner: DriverGeneration<Req>;
  readonly #accepts: (spec: AnySupervisorRequest) => spec is Req;
  readonly #kind: string;

  constructor(
    inner: DriverGeneration<Req>,
    accepts: (spec: AnySupervisorRequest) => spec is Req,
    kind: string,
  ) {
    this.#inner = inner;
    this.#accepts = accepts;
    this.#kind = kind;
  }

  get child() {
    return this.#inner.child;
  }
  get workerVersion() {
    return this.#inner.workerVersion;
  }
  get protocolVersion() {
    return this.#inner.protocolVersion;
  }
  get spawnHandshakeMs() {
    return this.#inner.spawnHandshakeMs;
  }

  attach(link: GenerationLink): void {
    this.#inner.attach(link);
  }

  begin(spec: AnySupervisorRequest, relay: () => RowRelay | null, link: GenerationLink) {
    if (this.#accepts(spec)) return this.#inner.begin(spec, relay, link);
    const op = spec.request.op;
    return wireError(ErrorCode.INVALID_ARGUMENT, `${op} needs a ${this.#kind} worker`, { operation: op });
  }

  askToExit(): boolean {
    return this.#inner.askToExit();
  }
}

function checked<Req extends AnySupervisorRequest>(
  driver: ChildDriver<Req>,
  accepts: (spec: AnySupervisorRequest) => spec is Req,
  kind: string,
): ChildDriver {
  return {
    start: async (launch: WorkerLaunchSpec) =>
      new KindCheckedGeneration(await driver.start(launch), accepts, kind),
  };
}

let replDriver: typeof ReplDriver | null = null;

/** Load the driver module of `kind`; resolves once `driverFor(kind)` can build it. */
export async function loadDriver(kind: ChildKindSpec | undefined): Promise<void> {
  if (kind?.kind === 'repl') replDriver ??= (await import('./repl-driver.js')).ReplDriver;
}

export function driverFor(kind: ChildKindSpec | undefined, maxJsonDepth?: number): ChildDriver {
  if (kind?.kind !== 'repl') return checked(new V10Driver(maxJsonDepth), isV10Request, 'lean-rs-worker');
  if (!replDriver) throw new Error('the repl driver is not loaded (loadDriver first)');
  return checked(new replDriver(kind), isReplRequest, 'repl');
}
