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
import type { ReplSupervisorRequest } from '../src/protocol/repl-work.js';
import { type AnySupervisorRequest, isReplRequest } from '../src/protocol/thread-contract.js';
import type { ReplChildSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';
import {
  type ChildDriver,
  type DriverGeneration,
  type GenerationLink,
  RunningRequest,
  wrongKind,
} from './driver-contract.js';
import { StartFailure, startGeneration } from './generation.js';
import { type WireFailure, wireError } from './outcome.js';
import type { RowRelay } from './relay.js';
import { keyMismatch, type ReplMappedResult, ReplSession } from './repl/session.js';

export function replDriver(spec: ReplChildSpec): ChildDriver {
  return (launch) =>
    startGeneration(launch, async (child, began) => {
      const generation = new ReplGeneration(child, spec);
      await generation.openHeader(launch.startupTimeoutMs);
      generation.spawnHandshakeMs = performance.now() - began;
      return generation;
    });
}

class ReplGeneration implements DriverGeneration {
  /** The repl has no handshake to report a version. */
  readonly workerVersion = 'leanprover-community/repl';
  readonly protocolVersion = 0;
  spawnHandshakeMs = 0;
  readonly #spec: ReplChildSpec;
  readonly #session: ReplSession;
  #link: GenerationLink | null = null;
  /** The channel failure was handed to the core already. */
  #reported = false;

  constructor(
    readonly child: ChildHandle,
    spec: ReplChildSpec,
  ) {
    this.#spec = spec;
    this.#session = new ReplSession({
      write: (bytes) => void child.process.stdin.write(bytes),
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
    const { headerKey } = this.#spec;
    if (split !== null && split.sessionKey !== headerKey) {
      const message = 'the snippet imports another header than this worker';
      return keyMismatch(headerKey, split.sessionKey, message).wire;
    }
    const running = new ReplRunningRequest(repl, relay(), link);
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

  /** The repl ends with status 0 at end of input. */
  askToExit(): void {
    this.child.process.stdin.end();
  }

  /** Hand a channel failure to the core once: it kills the child and fails the request. */
  #report(): void {
    const failure = this.#session.failure;
    const link = this.#link;
    if (failure === undefined || this.#reported || link === null || !link.isCurrent()) return;
    this.#reported = true;
    link.abandon(failure.wire);
  }
}

/** Rough bytes of one row for batch sizing (text plus fixed fields). */
function rowBytes(payload: unknown): number {
  const p = payload as { text?: string; goal?: string };
  return 96 + (p.text?.length ?? 0) + (p.goal?.length ?? 0);
}

/**
 * One repl request in flight: the answer's messages and sorries go to the relay as rows (one
 * stream each, per-stream sequence), then the outcome of a check is reported as a completed
 * stream, the terminal shape a protocol v10 stream has, so leases, streams and pool accounting
 * treat both child kinds alike.
 */
class ReplRunningRequest extends RunningRequest<ReplSupervisorRequest> {
  /** Relay the rows of an answer, then finish with its summary. */
  answer({ rows, summary }: ReplMappedResult): void {
    if (this.finished) return;
    for (const { stream, sequence, payload } of rows) {
      const bytes = rowBytes(payload);
      this.counts.rowsDelivered += 1;
      this.counts.payloadBytes += bytes;
      this.relay?.push({ stream, sequence, payload }, bytes);
    }
    const wire = {
      total_rows: summary.totalRows,
      per_stream_counts: { ...summary.perStreamCounts },
      elapsed_micros: Math.round(summary.elapsedMs * 1000),
      metadata: summary.metadata,
    };
    this.succeed({ status: 'stream_complete', summary: wire }, { summary });
  }
}
