/**
 * What every lease shares, whatever its child kind: exclusive use of one warm worker, bound to
 * the worker generation it was granted on. Affine: released at most once (explicitly or by
 * `await using`). After any restart of its worker every call fails with LEASE_INVALIDATED and the
 * caller acquires a fresh lease. A lease never reveals which worker, pid or pipe serves it.
 *
 * The kinds add their command families on top: `LeanWorkerSessionLease` (lean-rs-worker
 * capability commands) and `LeanReplLease` (repl snippets and tactics).
 */
import { MessageChannel } from 'node:worker_threads';
import { checkCommandOptions, type LeanWorkerCommandOptions } from './command-options.js';
import { ErrorCode, makeError } from './errors.js';
import type { LeaseHost, LeaseRequest } from './lease-contract.js';
import type { LeaseSnapshot } from './pool/counters.js';
import type { RequestOutcome, StreamSummaryData, ValidationSchemas } from './protocol/port-messages.js';
import { LeanWorkerStream, type LeanWorkerStreamSummary } from './stream/lean-worker-stream.js';
import type { RowConsumerOptions } from './stream/row-consumer.js';

/** How a stream's rows and summary are decoded where they are consumed, and what the supervisor checks. */
export type StreamDecoders<Row, Summary> = RowConsumerOptions<Row> & {
  decodeSummary?: (summary: StreamSummaryData) => LeanWorkerStreamSummary<Summary>;
  schemas?: ValidationSchemas;
};

export type { LeanWorkerCommandOptions };

export abstract class LeaseCore {
  readonly #host: LeaseHost;
  readonly #generation: number;
  readonly #requestTimeoutMs: number;
  #released = false;
  #invalidReason: string | null = null;
  #busy = false;
  /** The request in flight: release cancels it and returns the worker once it has ended. */
  #running: { readonly id: number; readonly outcome: Promise<unknown> } | null = null;

  /** @internal Leases are granted by `LeanWorkerPool.acquireLease`. */
  constructor(host: LeaseHost, generation: number, requestTimeoutMs: number) {
    this.#host = host;
    this.#generation = generation;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** False once released or invalidated, or when the worker moved to another generation. */
  get isValid(): boolean {
    return !this.#released && this.#invalidReason === null && this.#host.generation() === this.#generation;
  }

  /** Counters of this lease's worker only. */
  snapshot(): LeaseSnapshot {
    return this.#host.snapshot();
  }

  /** Replace the worker's child now; this lease is invalidated (acquire a fresh one). */
  async cycle(): Promise<void> {
    this.#check();
    this.#invalidReason = 'explicit worker cycle';
    await this.#host.cycle();
  }

  /**
   * Return the worker to the pool. Idempotent: capacity is returned exactly once. A request
   * still in flight is cancelled first (ABORTED); the worker goes back once it has ended.
   */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const running = this.#running;
    if (!running) {
      this.#host.release();
      return;
    }
    // Never hand a busy worker to the next holder: cancel the request, return the worker once
    // it has ended (the child is replaced).
    this.#host.cancel(running.id, 'lease_released');
    void running.outcome.finally(() => this.#host.release());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  /** @internal Send `request` as a stream whose rows `decode` turns into `Row`s. */
  protected stream<Row, Summary>(
    request: LeaseRequest,
    options: LeanWorkerCommandOptions,
    decode: StreamDecoders<Row, Summary>,
  ): LeanWorkerStream<Row, Summary> {
    const { schemas, ...decoders } = decode;
    const { port, outcome } = this.#start(request, options, true, schemas);
    const stream = new LeanWorkerStream<Row, Summary>(port ?? new MessageChannel().port1, outcome, {
      ...decoders,
      onDiagnostic: options.onDiagnostic,
      onProgress: options.onProgress,
      // Decided before the failure is thrown: a consumer that fails mid-request cancels it, and
      // the worker is replaced, so the lease is invalid from that moment on.
      onLocalFailure: (error) => {
        if (this.#busy) this.#invalidReason ??= `${error.code} where the rows were consumed`;
      },
    });
    // The supervisor counted a success that the consumer side then refused: count it a failure.
    stream.summary.catch(async () => {
      if ((await outcome).ok) this.#host.consumerFailed?.();
    });
    return stream;
  }

  /** @internal Send `request` and wait for its one answer. */
  protected unary(
    request: LeaseRequest,
    options: LeanWorkerCommandOptions,
    schemas?: ValidationSchemas,
  ): Promise<RequestOutcome> {
    return this.#start(request, options, false, schemas).outcome;
  }

  #check(): void {
    if (this.#released) throw makeError(ErrorCode.LEASE_RELEASED, 'the lease was released');
    const current = this.#host.generation();
    let generations = {};
    if (this.#invalidReason === null && current !== this.#generation) {
      this.#invalidReason =
        current < 0
          ? 'the worker is gone (shut down, or its supervisor ended)'
          : `worker generation changed from ${this.#generation} to ${current}`;
      generations = { grantedGeneration: this.#generation, currentGeneration: current };
    }
    if (this.#invalidReason !== null) {
      throw makeError(ErrorCode.LEASE_INVALIDATED, `lease invalidated: ${this.#invalidReason}`, {
        facts: { reason: this.#invalidReason, ...generations },
      });
    }
    if (this.#busy) throw makeError(ErrorCode.LEASE_BUSY, 'a command is already running on this lease');
    const policy = this.#host.beforeCommand(this.#generation);
    if (policy) {
      this.#invalidReason = String(policy.facts.reason ?? policy.message);
      throw policy;
    }
  }

  #start(
    request: LeaseRequest,
    options: LeanWorkerCommandOptions,
    stream: boolean,
    schemas: ValidationSchemas | undefined,
  ) {
    checkCommandOptions(options);
    this.#check();
    const refused = this.#host.checkRequest?.(request);
    if (refused) throw refused;
    if (options.signal?.aborted) {
      throw makeError(ErrorCode.ABORTED, 'aborted before the request was sent', {
        facts: { reason: 'before_send', workEnteredChild: false },
        cause: options.signal.reason,
      });
    }
    this.#busy = true;
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    const run = this.#host.run(request, { ...options, timeoutMs, schemas }, stream);
    const onAbort = () => this.#host.cancel(run.id);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const outcome = run.outcome.then((o) => {
      options.signal?.removeEventListener('abort', onAbort);
      this.#busy = false;
      this.#running = null;
      if (!o.ok && (o.restarted || o.error.code === ErrorCode.RESTART_LIMIT)) {
        this.#invalidReason ??= `${o.error.code} during ${request.op}`;
      }
      return o;
    });
    this.#running = { id: run.id, outcome };
    return { port: run.port, outcome };
  }
}
