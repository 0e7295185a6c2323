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
import { LeaseCore } from './lease-core.js';
import type { OutcomeResponse, RequestOutcome } from './protocol/port-messages.js';
import type { LeanReplLease } from './repl/lease.js';
import type { LeanWorkerStream } from './stream/lean-worker-stream.js';

/** The answer of a unary request (the supervisor checked its status), or its typed failure thrown. */
function answer<Status extends OutcomeResponse['status']>(
  outcome: RequestOutcome,
  _status: Status,
): Extract<OutcomeResponse, { status: Status }> {
  if (!outcome.ok) throw errorFromWire(outcome.error);
  return outcome.response as Extract<OutcomeResponse, { status: Status }>;
}

/** A lease of either child kind. */
export type LeanWorkerLease = LeanWorkerSessionLease | LeanReplLease;

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
    return this.stream<Row, Summary>(
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
    return this.stream(
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
    const outcome = await this.unary(
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
    const op = 'capability_metadata';
    const request_json = requestJson(request, exportName);
    const outcome = await this.unary({ op, export: checkExportName(exportName), request_json }, options);
    return answer(outcome, 'capability_metadata').metadata;
  }

  /** Run the capability's doctor export. */
  async capabilityDoctor(exportName: string, request: unknown = {}, options: LeanWorkerCommandOptions = {}) {
    const op = 'capability_doctor';
    const request_json = requestJson(request, exportName);
    const outcome = await this.unary({ op, export: checkExportName(exportName), request_json }, options);
    return answer(outcome, 'capability_doctor').report;
  }
}
