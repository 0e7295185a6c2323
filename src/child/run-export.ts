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
export function errorResponse(error: unknown): Response {
  return errorAnswer(
    error instanceof WorkerExportError ? error.code : EXPORT_EXCEPTION_CODE,
    messageOf(error),
  );
}

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
  if (progress) tryWrite(writer, () => encodeProgressTick('data_stream', 0, null, writer.maxFrameBytes));
  const started = process.hrtime.bigint();
  const sequences = new Map<string, number>();
  let totalRows = 0;
  let meta: unknown = null;
  let failure: Response | undefined;

  const settle = (pending: Promise<void> | undefined): number | Promise<number> =>
    pending === undefined
      ? 0
      : pending.then(
          () => (failure ? STOP : 0),
          (error: unknown) => {
            failure ??= writeFailed(error);
            return STOP;
          },
        );

  const emit: EmitFn = (envelope) => {
    if (failure) return STOP;
    if (typeof envelope !== 'string') {
      failure = { status: 'stream_row_malformed', message: 'row callback payload must be a string' };
      return STOP;
    }
    const event = parseEnvelope(envelope);
    try {
      switch (event.kind) {
        case 'malformed':
          failure = { status: 'stream_row_malformed', message: event.message };
          return STOP;
        case 'metadata':
          meta = event.value;
          return 0;
        case 'diagnostic':
          return settle(writer.write(encodeDiagnostic(event.code, event.message, writer.maxFrameBytes)));
        case 'progress':
          return settle(
            writer.write(encodeProgressTick(event.phase, event.current, event.total, writer.maxFrameBytes)),
          );
        case 'row': {
          const sequence = sequences.get(event.stream) ?? 0;
          sequences.set(event.stream, sequence + 1);
          totalRows += 1;
          const pending = writer.write(
            encodeDataRowRaw(event.stream, sequence, event.payloadJson, writer.maxFrameBytes),
          );
          const tick = progress
            ? tryWrite(writer, () => encodeProgressTick('data_stream', totalRows, null, writer.maxFrameBytes))
            : undefined;
          return settle(pending ?? tick);
        }
      }
    } catch (error) {
      failure ??= writeFailed(error);
      return STOP;
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
  if (!Number.isInteger(byte) || byte < 0 || byte > 255) {
    return abiError(`export returned ${String(status)}, not a UInt8`);
  }
  if (byte !== 0) {
    const description = CALLBACK_STATUS[byte];
    return description === undefined
      ? { status: 'stream_export_failed', status_byte: byte }
      : { status: 'stream_callback_failed', status_byte: byte, description };
  }
  const elapsedMicros = Number((process.hrtime.bigint() - started) / 1000n);
  return {
    status: 'stream_complete',
    summary: {
      total_rows: totalRows,
      per_stream_counts: Object.fromEntries(sequences),
      elapsed_micros: elapsedMicros,
      metadata: sortKeys(meta),
    },
  };
}

/** Progress ticks the child adds itself are best effort, as in the original. */
function tryWrite(writer: FrameWriter, encode: () => Buffer): Promise<void> | undefined {
  try {
    return writer.write(encode());
  } catch {
    return undefined;
  }
}

/** Run a string export; a thrown error becomes `error`, a non-string result `lean_rs.abi_conversion`. */
export async function runString(
  exp: StringExport,
  requestJson: string,
  context: ExportContext,
): Promise<{ ok: true; text: string } | { ok: false; response: Response }> {
  try {
    const text = await exp.run(requestJson, context);
    if (typeof text === 'string') return { ok: true, text };
    return { ok: false, response: abiError('export did not return a string') };
  } catch (error) {
    return { ok: false, response: errorResponse(error) };
  }
}

function fillNull(value: unknown, key: string): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(key in value)) {
    (value as Record<string, unknown>)[key] = null;
  }
}

/**
 * The report schemas and zod, loaded on the first metadata or doctor request only: a child's
 * start (and every data or JSON export) never loads zod.
 */
async function reportSchemas() {
  const [{ z }, { capabilityMetadataSchema, doctorReportSchema }] = await Promise.all([
    import('zod'),
    import('../protocol/messages.js'),
  ]);
  return { prettifyError: z.prettifyError, capabilityMetadataSchema, doctorReportSchema };
}

async function parseReport<T>(
  text: string,
  pick: (schemas: Awaited<ReturnType<typeof reportSchemas>>) => z.ZodType<T>,
  prepare: (value: unknown) => void,
): Promise<T | string> {
  const schemas = await reportSchemas();
  const schema = pick(schemas);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  prepare(value);
  const result = schema.safeParse(value);
  return result.success ? result.data : schemas.prettifyError(result.error);
}

/** Convert a metadata export's text into `capability_metadata` or `capability_metadata_malformed`. */
export async function metadataResponse(text: string): Promise<Response> {
  const parsed = await parseReport(
    text,
    (s) => s.capabilityMetadataSchema,
    (value) => {
      fillNull(value, 'lean_version');
      fillNull(value, 'extra');
    },
  );
  if (typeof parsed === 'string') return { status: 'capability_metadata_malformed', message: parsed };
  return { status: 'capability_metadata', metadata: { ...parsed, extra: sortKeys(parsed.extra) } };
}

/** Convert a doctor export's text into `capability_doctor` or `capability_doctor_malformed`. */
export async function doctorResponse(text: string): Promise<Response> {
  const parsed = await parseReport(
    text,
    (s) => s.doctorReportSchema,
    (value) => {
      fillNull(value, 'metadata');
      const diagnostics = (value as { diagnostics?: unknown } | null)?.diagnostics;
      if (Array.isArray(diagnostics)) for (const d of diagnostics) fillNull(d, 'details');
    },
  );
  if (typeof parsed === 'string') return { status: 'capability_doctor_malformed', message: parsed };
  return {
    status: 'capability_doctor',
    report: {
      diagnostics: parsed.diagnostics.map((d) => ({ ...d, details: sortKeys(d.details) })),
      metadata: sortKeys(parsed.metadata),
    },
  };
}
