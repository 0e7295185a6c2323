/**
 * The leanprover-community `repl` driver. A generation is ready once its header ran (and the
 * header probe proved the imports loaded): a header that fails to import fails the start, so a
 * worker whose header is broken is never handed out. Each check runs its body against the
 * header env; message positions come back in the caller's snippet coordinates.
 *
 * The repl can neither cancel nor time out a command: deadlines and aborts are the core's, which
 * kills the child and starts the next generation (which imports the header again). Output that
 * is not a response to the request in flight fails the channel for good, and the child is killed.
 */
import { ErrorCode } from '../src/protocol/error-codes.js';
import { splitSnippet } from '../src/protocol/repl-snippet.js';
import { type AnySupervisorRequest, isReplRequest } from '../src/protocol/thread-contract.js';
import type { ReplChildSpec, WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';
import {
  type ChildDriver,
  type DriverGeneration,
  type GenerationLink,
  wrongKind,
} from './driver-contract.js';
import { failedStart, StartFailure, spawnChild } from './generation.js';
import { wireError } from './outcome.js';
import type { RowRelay } from './relay.js';
import { keyMismatch, ReplSession } from './repl/session.js';
import { ReplRunningRequest } from './repl-request.js';
import type { WireFailure } from './wire-failure.js';

/** What a repl generation reports as its worker version (the repl has no handshake). */
export const REPL_WORKER_VERSION = 'leanprover-community/repl';

export class ReplDriver implements ChildDriver {
  readonly #spec: ReplChildSpec;

  constructor(spec: ReplChildSpec) {
    this.#spec = spec;
  }

  async start(launch: WorkerLaunchSpec): Promise<DriverGeneration> {
    const began = performance.now();
    const child = await spawnChild(launch);
    const generation = new ReplGeneration(child, this.#spec);
    try {
      await generation.openHeader(launch.startupTimeoutMs);
    } catch (error) {
      throw await failedStart(child, launch, error);
    }
    generation.spawnHandshakeMs = performance.now() - began;
    return generation;
  }
}

class ReplGeneration implements DriverGeneration {
  readonly child: ChildHandle;
  readonly workerVersion = REPL_WORKER_VERSION;
  readonly protocolVersion = 0;
  spawnHandshakeMs = 0;
  readonly #spec: ReplChildSpec;
  readonly #session: ReplSession;
  #link: GenerationLink | null = null;
  /** The channel failure was handed to the core already. */
  #reported = false;

  constructor(child: ChildHandle, spec: ReplChildSpec) {
    this.child = child;
    this.#spec = spec;
    const stdin = child.process.stdin;
    this.#session = new ReplSession({
      write: (bytes) => {
        stdin.write(bytes);
      },
      maxResponseBytes: spec.maxResponseBytes,
      headerProbe: spec.headerProbe,
    });
    child.process.stdout.on('data', (chunk: Buffer) => {
      this.#session.feed(chunk);
      const link = this.#link;
      if (link === null || !link.isCurrent()) return;
      link.outputSeen();
      this.#report();
    });
    void child.exited.then((exit) =>
      this.#session.end({ exitCode: exit.code, signal: exit.signal, stderrTail: exit.stderrTail }),
    );
  }

  /** Run the header (and its probe) within `timeoutMs`; throws the typed failure. */
  async openHeader(timeoutMs: number): Promise<void> {
    const { headerKey: sessionKey, headerCommand, header } = this.#spec;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const facts = { operation: 'startup', phase: 'repl_header', kind: 'total', timeoutMs, sessionKey };
        const message = `repl header did not import within ${timeoutMs} ms`;
        reject(new StartFailure(wireError(ErrorCode.TIMEOUT, message, facts)));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.#session.openHeader({ sessionKey, headerCommand, header }), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  attach(link: GenerationLink): void {
    this.#link = link;
    this.child.process.stdout.resume();
    this.#report();
  }

  begin(repl: AnySupervisorRequest, relay: () => RowRelay | null, link: GenerationLink) {
    if (!isReplRequest(repl)) return wrongKind(repl, 'repl');
    const job = repl.request;
    const split = job.op === 'repl_check' ? splitSnippet(job.snippet) : null;
    if (split !== null && split.sessionKey !== this.#spec.headerKey) {
      return keyMismatch(
        this.#spec.headerKey,
        split.sessionKey,
        'the snippet imports another header than this worker',
      ).wire;
    }
    const running = new ReplRunningRequest(repl, relay(), () => link.generation());
    const answer =
      job.op === 'repl_tactic'
        ? this.#session.runTactic(job.proofState, job.tactic)
        : this.#session.run(split ?? splitSnippet(job.snippet));
    answer.then(
      (result) => running.answer(result),
      (error: WireFailure) => {
        // A failed channel means the child must die; the core fails the request as it kills.
        if (error === this.#session.failure) this.#report();
        else running.fail(error.wire, { restarted: false, workEnteredChild: true });
      },
    );
    return running;
  }

  askToExit(): boolean {
    const stdin = this.child.process.stdin;
    if (stdin.destroyed) return false;
    // The repl ends with status 0 at end of input.
    stdin.end();
    return true;
  }

  /** Hand a channel failure to the core once: it kills the child and fails the request. */
  #report(): void {
    const failure = this.#session.failure;
    const link = this.#link;
    if (failure === undefined || this.#reported || link === null || !link.isCurrent()) return;
    this.#reported = true;
    link.abandon(failure.wire, 'protocol');
  }
}
