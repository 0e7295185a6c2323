/**
 * Running one export and turning its outcome into the terminal response, with the original
 * child's conversions: envelope forwarding with per-stream sequences, progress ticks, last-wins
 * metadata and the summary for streams; status-byte decoding; malformed metadata and doctor
 * reports; thrown errors as `error{code, message}`.
 */
import type { z } from 'zod';
import { sortKeys } from '../capability/canonical-json.js';
import { encodeDataRowRaw, encodeDiagnostic, encodeProgressTick } from '../protocol/encode.js';
import type { Response } from '../protocol/messages.js';
import type { EmitFn, ExportContext, StreamExport, StringExport } from './exports.js';
import { WorkerExportError } from './exports.js';
import { parseEnvelope } from './parse-envelope.js';
import type { FrameWriter } from './stdio.js';

/** Code for a thrown error that carries no code of its own (an IO error raised by a Lean export). */
export const EXPORT_EXCEPTION_CODE = 'lean_rs.lean_exception';

/** The callback statuses of the Lean callback ABI, with the original's descriptions. */
const CALLBACK_STATUS: Readonly<Record<number, string>> = {
  1: 'Lean called a callback handle after Rust dropped it',
  2: 'Rust callback panicked and the trampoline contained the panic',
  3: 'Lean called a callback handle through the wrong payload trampoline',
  4: 'Rust callback asked Lean to stop the callback loop',
};

const STOP = 4;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** An `error{code, message}` response. */
export const errorAnswer = (code: string, message: string): Response => ({ status: 'error', code, message });

/** An `error` response for anything an export threw. */
export const errorResponse = (error: unknown): Response =>
  errorAnswer(error instanceof WorkerExportError ? error.code : EXPORT_EXCEPTION_CODE, messageOf(error));

const writeFailed = (error: unknown) =>
  errorAnswer('lean_rs.internal', `worker stream frame write failed: ${messageOf(error)}`);

/** An export's result does not fit the ABI. */
const abiError = (message: string) => errorAnswer('lean_rs.abi_conversion', message);

/** Run a streaming export and build its terminal response. */
export async function runStream(
  exp: StreamExport,
  requestJson: string,
  progress: boolean,
  writer: FrameWriter,
  context: ExportContext,
): Promise<Response> {
  // The cap is installed by `configure_frame_limit`, before any request.
  const max = writer.maxFrameBytes;
  // Progress ticks the child adds itself are best effort, as in the original.
  const tick = (rows: number) => {
    try {
      return writer.write(encodeProgressTick('data_stream', rows, null, max));
    } catch {
      return undefined;
    }
  };
  if (progress) tick(0);
  const started = process.hrtime.bigint();
  const sequences = new Map<string, number>();
  let totalRows = 0;
  let meta: unknown = null;
  let failure: Response | undefined;

  /** Keep the first failure and ask the export to stop. */
  const stop = (response: Response) => {
    failure ??= response;
    return STOP;
  };
  const settle = (pending: Promise<void> | undefined): number | Promise<number> =>
    pending === undefined
      ? 0
      : pending.then(
          () => (failure ? STOP : 0),
          (error: unknown) => stop(writeFailed(error)),
        );

  const emit: EmitFn = (envelope) => {
    if (failure) return STOP;
    if (typeof envelope !== 'string')
      return stop({ status: 'stream_row_malformed', message: 'row callback payload must be a string' });
    const event = parseEnvelope(envelope);
    try {
      switch (event.kind) {
        case 'malformed':
          return stop({ status: 'stream_row_malformed', message: event.message });
        case 'metadata':
          meta = event.value;
          return 0;
        case 'diagnostic':
          return settle(writer.write(encodeDiagnostic(event.code, event.message, max)));
        case 'progress':
          return settle(writer.write(encodeProgressTick(event.phase, event.current, event.total, max)));
        case 'row': {
          const sequence = sequences.get(event.stream) ?? 0;
          sequences.set(event.stream, sequence + 1);
          totalRows += 1;
          const pending = writer.write(encodeDataRowRaw(event.stream, sequence, event.payloadJson, max));
          // The tick follows its row even when the row's write asks to wait.
          const ticked = progress ? tick(totalRows) : undefined;
          return settle(pending ?? ticked);
        }
      }
    } catch (error) {
      return stop(writeFailed(error));
    }
  };

  let status: number | undefined;
  try {
    status = await exp.run(requestJson, emit, context);
  } catch (error) {
    return errorResponse(error);
  }
  if (failure) return failure;
  const byte = status ?? 0;
  if (!Number.isInteger(byte) || byte < 0 || byte > 255)
    return abiError(`export returned ${String(status)}, not a UInt8`);
  if (byte !== 0) {
    const description = CALLBACK_STATUS[byte];
    return description === undefined
      ? { status: 'stream_export_failed', status_byte: byte }
      : { status: 'stream_callback_failed', status_byte: byte, description };
  }
  const summary = {
    total_rows: totalRows,
    per_stream_counts: Object.fromEntries(sequences),
    elapsed_micros: Number((process.hrtime.bigint() - started) / 1000n),
    metadata: sortKeys(meta),
  };
  return { status: 'stream_complete', summary };
}

/** Run a string export: its text, or the response for a thrown error or a non-string result. */
export async function runString(
  exp: StringExport,
  requestJson: string,
  context: ExportContext,
): Promise<string | Response> {
  try {
    const text = await exp.run(requestJson, context);
    return typeof text === 'string' ? text : abiError('export did not return a string');
  } catch (error) {
    return errorResponse(error);
  }
}

/** Set each of `keys` missing from the JSON object `value` to null. */
function fillNull(value: unknown, ...keys: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  for (const key of keys) if (!(key in value)) (value as Record<string, unknown>)[key] = null;
}

/**
 * zod and the report schemas, loaded on the first metadata or doctor request only: a child's
 * start (and every data or JSON export) never loads zod.
 */
const reportSchemas = () => Promise.all([import('zod'), import('../protocol/messages.js')]);

/** The report in `text`, prepared and checked against `schema`, or why it is malformed. */
function parseReport<T>(
  zod: { z: typeof z },
  schema: z.ZodType<T>,
  text: string,
  prepare: (value: unknown) => void,
): T | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  prepare(value);
  const result = schema.safeParse(value);
  return result.success ? result.data : zod.z.prettifyError(result.error);
}

/** Convert a metadata export's text into `capability_metadata` or `capability_metadata_malformed`. */
export async function metadataResponse(text: string): Promise<Response> {
  const [zod, { capabilityMetadataSchema }] = await reportSchemas();
  const parsed = parseReport(zod, capabilityMetadataSchema, text, (v) =>
    fillNull(v, 'lean_version', 'extra'),
  );
  if (typeof parsed === 'string') return { status: 'capability_metadata_malformed', message: parsed };
  return { status: 'capability_metadata', metadata: { ...parsed, extra: sortKeys(parsed.extra) } };
}

/** Convert a doctor export's text into `capability_doctor` or `capability_doctor_malformed`. */
export async function doctorResponse(text: string): Promise<Response> {
  const [zod, { doctorReportSchema }] = await reportSchemas();
  const parsed = parseReport(zod, doctorReportSchema, text, (value) => {
    fillNull(value, 'metadata');
    const diagnostics = (value as { diagnostics?: unknown } | null)?.diagnostics;
    if (Array.isArray(diagnostics)) for (const d of diagnostics) fillNull(d, 'details');
  });
  if (typeof parsed === 'string') return { status: 'capability_doctor_malformed', message: parsed };
  const diagnostics = parsed.diagnostics.map((d) => ({ ...d, details: sortKeys(d.details) }));
  return { status: 'capability_doctor', report: { diagnostics, metadata: sortKeys(parsed.metadata) } };
}
