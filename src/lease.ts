/**
 * The lease of a lean-rs-worker capability source (a `LeanWorkerCapabilityBuilder`): typed
 * streaming and JSON commands, schema-less data streams, the capability's metadata and doctor.
 * Everything a lease is beyond its commands lives in `LeaseCore`.
 */
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
import { ErrorCode, errorFromWire } from './errors.js';
import { LeaseCore, type StreamDecoders } from './lease-core.js';
import type { OutcomeResponse } from './protocol/port-messages.js';
import type { LeanReplLease } from './repl/lease.js';
import type { LeanWorkerStream } from './stream/lean-worker-stream.js';

/** A lease of either child kind. */
export type LeanWorkerLease = LeanWorkerSessionLease | LeanReplLease;

type CapabilityOp = 'capability_metadata' | 'capability_doctor';

export class LeanWorkerSessionLease extends LeaseCore {
  readonly kind = 'capability' as const;

  /** Run a typed streaming command; rows are tentative until `stream.summary` resolves. */
  runStreamingCommand<Req, Row, Summary>(
    command: LeanWorkerStreamingCommand<Req, Row, Summary>,
    request: Req,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream<Row, Summary> {
    checkCommand(command, 'stream');
    checkCommandOptions(options);
    const requestJson = encodeCommandRequest(command.export, command.request, request);
    return this.#dataStream<Row, Summary>(command.export, requestJson, options, streamDecoders(command));
  }

  /** Run a schema-less stream (`LeanWorkerDataRow` with `unknown` payloads). */
  runDataStream(
    exportName: string,
    request: unknown,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream {
    checkCommandOptions(options);
    const name = checkExportName(exportName);
    return this.#dataStream(name, requestJson(request ?? null, exportName), options, {});
  }

  /** Run a typed JSON command. */
  async runJsonCommand<Req, Resp>(
    command: LeanWorkerJsonCommand<Req, Resp>,
    request: Req,
    options: LeanWorkerCommandOptions = {},
  ): Promise<Resp> {
    checkCommand(command, 'json');
    checkCommandOptions(options);
    const request_json = encodeCommandRequest(command.export, command.request, request);
    const json = { op: 'json_command' as const, export: command.export, request_json };
    const outcome = await this.unary(json, options, { response: command.responseThreadSchema });
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
    return (await this.#capability('capability_metadata', exportName, request, options)).metadata;
  }

  /** Run the capability's doctor export. */
  async capabilityDoctor(exportName: string, request: unknown = {}, options: LeanWorkerCommandOptions = {}) {
    return (await this.#capability('capability_doctor', exportName, request, options)).report;
  }

  #dataStream<Row, Summary>(
    name: string,
    request_json: string,
    options: LeanWorkerCommandOptions,
    decoders: StreamDecoders<Row, Summary>,
  ): LeanWorkerStream<Row, Summary> {
    const progress = options.rowProgress === true;
    return this.stream({ op: 'run_data_stream', export: name, request_json, progress }, options, decoders);
  }

  /** The answer of a unary capability request (the supervisor checked its status), or its failure thrown. */
  async #capability<Op extends CapabilityOp>(
    op: Op,
    exportName: string,
    request: unknown,
    options: LeanWorkerCommandOptions,
  ): Promise<Extract<OutcomeResponse, { status: Op }>> {
    const request_json = requestJson(request, exportName);
    const outcome = await this.unary({ op, export: checkExportName(exportName), request_json }, options);
    if (!outcome.ok) throw errorFromWire(outcome.error);
    return outcome.response as Extract<OutcomeResponse, { status: Op }>;
  }
}
