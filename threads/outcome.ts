/**
 * Failures as data, and turning a terminal response into a typed result: which statuses answer
 * which request, the error code each failure status maps to, and the answer read and checked
 * against the command's schemas (`validation.ts`).
 *
 * Failures leave the thread as data (`WireError`: code, message, facts), and the main thread
 * rebuilds the library's error class from it with `errorFromWire`; inside the thread they are
 * thrown and rejected as a `WireFailure`, which carries that data unchanged.
 */
import { causeData, ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { jsonDepthExceeds } from '../src/protocol/json-depth.js';
import type { Request, Response } from '../src/protocol/messages.js';
import type { StreamSummaryData, SupervisorRequest, ThreadSchema } from '../src/protocol/port-messages.js';
import { checkerFor } from './validation.js';

/** Child error code that means: open the session again and retry once. */
export const SESSION_MISSING_CODE = 'lean_rs.worker.session_missing';

/** A failure with `code` and `facts`, and the thrown value behind it (as data) when there is one. */
export function wireError(
  code: ErrorCode,
  message: string,
  facts: Readonly<Record<string, unknown>> = {},
  cause?: unknown,
): WireError {
  return cause === undefined ? { code, message, facts } : { code, message, facts, cause: causeData(cause) };
}

export class WireFailure extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}

export function wireFailure(...error: Parameters<typeof wireError>): WireFailure {
  return new WireFailure(wireError(...error));
}

const SUCCESS: Record<Request['op'], readonly Response['status'][]> = {
  health: ['health_ok'],
  open_host_session: ['host_session_opened', 'host_session_reused'],
  run_data_stream: ['stream_complete'],
  json_command: ['json_command'],
  capability_metadata: ['capability_metadata'],
  capability_doctor: ['capability_doctor'],
  terminate: ['terminating'],
};

/** The `..._malformed` statuses: the operation each answers, its error code and wording. */
const MALFORMED = {
  stream_row_malformed: ['run_data_stream', ErrorCode.STREAM_ROW_MALFORMED, 'malformed stream envelope'],
  capability_metadata_malformed: [
    'capability_metadata',
    ErrorCode.METADATA_MALFORMED,
    'capability metadata malformed',
  ],
  capability_doctor_malformed: [
    'capability_doctor',
    ErrorCode.DOCTOR_MALFORMED,
    'capability doctor malformed',
  ],
} as const;

/** The export a request names, or null. */
const exportOf = (request: Request | SupervisorRequest['request']): string | null =>
  'export' in request ? request.export : null;

/** How a terminal response settles its request. */
export type Settled =
  /** It answers the request, with what was read from it. */
  | { readonly kind: 'answer'; readonly summary?: StreamSummaryData; readonly value?: unknown }
  /** A failure status, or an answer that does not match the command's schema: the request fails. */
  | { readonly kind: 'failure'; readonly error: WireError }
  /** The child broke the protocol (a status that does not answer the request): it is abandoned. */
  | { readonly kind: 'violation'; readonly error: WireError };

/** Classify `response` as the answer to `request` (an answer's typed parts are read by `typedAnswer`). */
export function classifyResponse(request: Request, response: Response): Settled {
  if (SUCCESS[request.op].includes(response.status)) return { kind: 'answer' };
  const operation = request.op;
  const failure = (code: ErrorCode, message: string, facts: Record<string, unknown>): Settled => ({
    kind: 'failure',
    error: wireError(code, message, { export: exportOf(request), ...facts }),
  });
  const streams = operation === 'run_data_stream';
  switch (response.status) {
    case 'error': {
      const { code, message } = response;
      const facts = { operation, workerCode: code, workerMessage: message };
      return failure(ErrorCode.WORKER, `worker error ${code}: ${message}`, facts);
    }
    case 'stream_export_failed': {
      const statusByte = response.status_byte;
      const message = `stream export returned status ${statusByte}`;
      if (streams) return failure(ErrorCode.STREAM_EXPORT_FAILED, message, { statusByte });
      break;
    }
    case 'stream_callback_failed': {
      const { status_byte: statusByte, description } = response;
      const facts = { statusByte, description };
      if (streams)
        return failure(ErrorCode.STREAM_CALLBACK_FAILED, `stream callback failed: ${description}`, facts);
      break;
    }
    case 'stream_row_malformed':
    case 'capability_metadata_malformed':
    case 'capability_doctor_malformed': {
      const [answers, code, what] = MALFORMED[response.status];
      const detail = response.message;
      if (operation === answers) return failure(code, `${what}: ${detail}`, { detail });
      break;
    }
  }
  return {
    kind: 'violation',
    error: wireError(ErrorCode.PROTOCOL, `unexpected response ${response.status} to ${operation}`, {
      reason: 'unexpected_response',
      operation,
      status: response.status,
    }),
  };
}

/** A child exit observed while work was outstanding. */
export function exitError(
  exit: { code: number | null; signal: string | null; success: boolean; stderrTail: string },
  operation: string,
  generation: number,
): WireError {
  const { code: exitCode, signal, stderrTail } = exit;
  const facts = { operation, generation, exitCode, signal, stderrTail };
  if (exit.success) return wireError(ErrorCode.CHILD_EXIT, `worker child exited during ${operation}`, facts);
  const how = signal ?? `exit code ${exitCode}`;
  return wireError(ErrorCode.CHILD_CRASH, `worker child died during ${operation} (${how})`, facts);
}

/** A request aborted by the caller (before it was sent, or killed in flight). */
export function abortedError(spec: { readonly request: { readonly op: string } }, reason: string): WireError {
  return wireError(ErrorCode.ABORTED, `request aborted (${reason})`, { operation: spec.request.op, reason });
}

/** The error of a value that does not match its schema; `issues` says why. */
export function decodeError(
  code: ErrorCode,
  message: string,
  spec: SupervisorRequest,
  issues: string,
  facts: Record<string, unknown> = {},
): WireError {
  return wireError(code, message, { export: exportOf(spec.request), ...facts, issues });
}

/** `value` checked against `schema` (absent: as it is), or the failure that names `what`. */
function checked(
  spec: SupervisorRequest,
  schema: ThreadSchema | null | undefined,
  value: unknown,
  code: ErrorCode,
  what: string,
): { readonly value: unknown } | Settled {
  if (!schema) return { value };
  const result = checkerFor(schema)(value);
  if (result.ok) return { value: result.value };
  const message = `${what} does not match the command's schema`;
  return { kind: 'failure', error: decodeError(code, message, spec, result.issues) };
}

/** Read and check the answer of a successful terminal `response` to `spec`. */
export function typedAnswer(spec: SupervisorRequest, response: Response, maxJsonDepth: number): Settled {
  if (response.status === 'stream_complete') {
    const { total_rows, per_stream_counts, elapsed_micros, metadata } = response.summary;
    const raw = metadata ?? null;
    const meta =
      raw === null
        ? { value: null }
        : checked(spec, spec.schemas?.summary, raw, ErrorCode.SUMMARY_DECODE, 'summary metadata');
    if ('kind' in meta) return meta;
    const summary: StreamSummaryData = {
      totalRows: total_rows,
      perStreamCounts: per_stream_counts,
      elapsedMs: elapsed_micros / 1000,
      metadata: meta.value,
    };
    return { kind: 'answer', summary };
  }
  if (response.status !== 'json_command') return { kind: 'answer' };
  if (jsonDepthExceeds(response.response_json, maxJsonDepth)) {
    const facts = { reason: 'nesting_too_deep', maxDepth: maxJsonDepth, export: exportOf(spec.request) };
    const message = `response JSON nests values deeper than ${maxJsonDepth} levels`;
    return { kind: 'violation', error: wireError(ErrorCode.PROTOCOL, message, facts) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.response_json);
  } catch (error) {
    const message = "response JSON does not match the command's schema";
    const issues = (error as Error).message;
    return { kind: 'failure', error: decodeError(ErrorCode.RESPONSE_DECODE, message, spec, issues) };
  }
  const answer = checked(spec, spec.schemas?.response, parsed, ErrorCode.RESPONSE_DECODE, 'response');
  if ('kind' in answer) return answer;
  return { kind: 'answer', ...(answer.value !== undefined ? { value: answer.value } : {}) };
}
