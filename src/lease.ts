/**
 * A session lease: exclusive use of one warm worker, bound to the worker generation it was
 * granted on. Affine: released at most once (explicitly or by `await using`). After any restart
 * of its worker every call fails with LEASE_INVALIDATED and the caller acquires a fresh lease.
 * The lease never reveals which worker, pid or pipe serves it.
 */
import { MessageChannel } from 'node:worker_threads';
import { checkCommandOptions, type LeanWorkerCommandOptions } from './command-options.js';
import {
  checkCommand,
  checkExportName,
  decodeWith,
  encodeCommandRequest,
  type LeanWorkerJsonCommand,
  type LeanWorkerStreamingCommand,
  requestJson,
  streamDecoders,
} from './commands.js';
import { ErrorCode, errorFromWire, makeError } from './errors.js';
import type { LeaseHost, LeaseRequest } from './lease-contract.js';
import type { LeaseSnapshot } from './pool/counters.js';
import type { Request } from './protocol/messages.js';
import type { RequestOutcome, ValidationSchemas } from './protocol/port-messages.js';
import type { ReplMessageRow, ReplSorryRow, ReplSummaryMetadata } from './repl/mapping.js';
import { LeanWorkerStream } from './stream/lean-worker-stream.js';

export type { LeanWorkerCommandOptions, LeaseHost };

/** A row of a repl answer: a message (stream `messages`) or a sorry (stream `sorries`). */
export type ReplRowPayload = ReplMessageRow | ReplSorryRow;

export class LeanWorkerSessionLease<Entry = unknown> {
  readonly #host: LeaseHost<Entry>;
  readonly #entry: Entry;
  readonly #generation: number;
  readonly #requestTimeoutMs: number;
  #released = false;
  #invalidReason: string | null = null;
  #busy = false;
  /** The request in flight: release cancels it and returns the worker once it has ended. */
  #running: { readonly id: number; readonly outcome: Promise<unknown> } | null = null;

  /** @internal Leases are granted by `LeanWorkerPool.acquireLease`. */
  constructor(host: LeaseHost<Entry>, entry: Entry, generation: number, requestTimeoutMs: number) {
    this.#host = host;
    this.#entry = entry;
    this.#generation = generation;
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** False once released or invalidated, or when the worker moved to another generation. */
  get isValid(): boolean {
    return (
      !this.#released &&
      this.#invalidReason === null &&
      this.#host.generation(this.#entry) === this.#generation
    );
  }

  /** Run a typed streaming command; rows are tentative until `stream.summary` resolves. */
  runStreamingCommand<Req, Row, Summary>(
    command: LeanWorkerStreamingCommand<Req, Row, Summary>,
    request: Req,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream<Row, Summary> {
    checkCommand(command, 'stream');
    checkCommandOptions(options);
    const requestJson = encodeCommandRequest(command.export, command.request, request);
    return this.#stream<Row, Summary>(
      {
        op: 'run_data_stream',
        export: command.export,
        request_json: requestJson,
        progress: options.rowProgress === true,
      },
      options,
      streamDecoders(command),
    );
  }

  /** Run a schema-less stream (`LeanWorkerDataRow` with `unknown` payloads). */
  runDataStream(
    exportName: string,
    request: unknown,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream {
    checkCommandOptions(options);
    return this.#stream(
      {
        op: 'run_data_stream',
        export: checkExportName(exportName),
        request_json: requestJson(request ?? null, exportName),
        progress: options.rowProgress === true,
      },
      options,
      {},
    );
  }

  /** Run a typed JSON command. */
  async runJsonCommand<Req, Resp>(
    command: LeanWorkerJsonCommand<Req, Resp>,
    request: Req,
    options: LeanWorkerCommandOptions = {},
  ): Promise<Resp> {
    checkCommand(command, 'json');
    checkCommandOptions(options);
    const requestJson = encodeCommandRequest(command.export, command.request, request);
    const outcome = await this.#unary(
      { op: 'json_command', export: command.export, request_json: requestJson },
      options,
      { response: command.responseThreadSchema },
    );
    if (!outcome.ok) throw errorFromWire(outcome.error);
    if (command.responseThreadSchema) return outcome.value as Resp;
    return decodeWith(ErrorCode.RESPONSE_DECODE, command.response, outcome.value, { export: command.export });
  }

  /** Ask the capability for its metadata through `exportName`. */
  async capabilityMetadata(
    exportName: string,
    request: unknown = {},
    options: LeanWorkerCommandOptions = {},
  ) {
    const outcome = await this.#unary(
      {
        op: 'capability_metadata',
        export: checkExportName(exportName),
        request_json: requestJson(request, exportName),
      },
      options,
    );
    if (!outcome.ok) throw errorFromWire(outcome.error);
    return (outcome.response as Extract<typeof outcome.response, { status: 'capability_metadata' }>).metadata;
  }

  /** Run the capability's doctor export. */
  async capabilityDoctor(exportName: string, request: unknown = {}, options: LeanWorkerCommandOptions = {}) {
    const outcome = await this.#unary(
      {
        op: 'capability_doctor',
        export: checkExportName(exportName),
        request_json: requestJson(request, exportName),
      },
      options,
    );
    if (!outcome.ok) throw errorFromWire(outcome.error);
    return (outcome.response as Extract<typeof outcome.response, { status: 'capability_doctor' }>).report;
  }

  /**
   * Check a Lean snippet on a repl worker (a lease from `LeanReplBuilder.forSnippet`). The
   * snippet's header must be the worker's (INVALID_ARGUMENT otherwise, nothing sent); its body
   * runs against the header env. Rows: each message on stream `messages`, each sorry on stream
   * `sorries`, positions in the snippet's own coordinates; `summary.metadata` says whether it
   * checked (`ok`: no error message), with counts and the env id. The repl cannot cancel: a
   * deadline or an abort kills the worker (TIMEOUT / ABORTED, the lease is then invalidated).
   */
  check(
    snippet: string,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream<ReplRowPayload, ReplSummaryMetadata> {
    return this.#stream({ op: 'repl_check', snippet }, options, {});
  }

  /**
   * Run one tactic on a proof state a sorry row of this lease's worker returned (the lease's
   * generation holds it). `summary.metadata` carries the new `proofState` and the `goals` left.
   */
  runTactic(
    proofState: number,
    tactic: string,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream<ReplRowPayload, ReplSummaryMetadata> {
    return this.#stream({ op: 'repl_tactic', proofState, tactic }, options, {});
  }

  /** Counters of this lease's worker only. */
  snapshot(): LeaseSnapshot {
    return this.#host.snapshot(this.#entry);
  }

  /** Replace the worker's child now; this lease is invalidated (acquire a fresh one). */
  async cycle(): Promise<void> {
    this.#check();
    this.#invalidReason = 'explicit worker cycle';
    await this.#host.cycle(this.#entry);
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
      this.#host.release(this.#entry);
      return;
    }
    // Never hand a busy worker to the next holder: cancel the request, return the worker once
    // it has ended (the child is replaced).
    this.#host.cancel(this.#entry, running.id, 'lease_released');
    void running.outcome.finally(() => this.#host.release(this.#entry));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.release();
  }

  #check(): void {
    if (this.#released) throw makeError(ErrorCode.LEASE_RELEASED, 'the lease was released');
    if (this.#invalidReason !== null) {
      throw makeError(ErrorCode.LEASE_INVALIDATED, `lease invalidated: ${this.#invalidReason}`, {
        facts: { reason: this.#invalidReason },
      });
    }
    const current = this.#host.generation(this.#entry);
    if (current !== this.#generation) {
      this.#invalidReason =
        current < 0
          ? 'the worker is gone (shut down, or its supervisor ended)'
          : `worker generation changed from ${this.#generation} to ${current}`;
      throw makeError(ErrorCode.LEASE_INVALIDATED, `lease invalidated: ${this.#invalidReason}`, {
        facts: {
          reason: this.#invalidReason,
          grantedGeneration: this.#generation,
          currentGeneration: current,
        },
      });
    }
    if (this.#busy) throw makeError(ErrorCode.LEASE_BUSY, 'a command is already running on this lease');
    const policy = this.#host.beforeCommand(this.#entry, this.#generation);
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
    const refused = this.#host.checkRequest?.(this.#entry, request);
    if (refused) throw refused;
    if (options.signal?.aborted) {
      throw makeError(ErrorCode.ABORTED, 'aborted before the request was sent', {
        facts: { reason: 'before_send', workEnteredChild: false },
        cause: options.signal.reason,
      });
    }
    this.#busy = true;
    const run = this.#host.run(
      this.#entry,
      request,
      { ...options, timeoutMs: options.timeoutMs ?? this.#requestTimeoutMs, schemas },
      stream,
    );
    const onAbort = () => this.#host.cancel(this.#entry, run.id);
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

  #stream<Row, Summary>(
    request: LeaseRequest,
    options: LeanWorkerCommandOptions,
    decode: ConstructorParameters<typeof LeanWorkerStream<Row, Summary>>[2] & {
      schemas?: ValidationSchemas;
    },
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
      if ((await outcome).ok) this.#host.consumerFailed?.(this.#entry);
    });
    return stream;
  }

  #unary(
    request: Request,
    options: LeanWorkerCommandOptions,
    schemas?: ValidationSchemas,
  ): Promise<RequestOutcome> {
    return this.#start(request, options, false, schemas).outcome;
  }
}
