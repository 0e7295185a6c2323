/**
 * Turning a terminal response into a typed result: which statuses answer which request, and the
 * error code each failure status maps to. Errors stay data (`WireError`) until the main thread.
 */
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { Request, Response } from '../src/protocol/messages.js';

/** Child error code that means: open the session again and retry once. */
export const SESSION_MISSING_CODE = 'lean_rs.worker.session_missing';

export function wireError(code: ErrorCode, message: string, facts: Record<string, unknown> = {}): WireError {
  return { code, message, facts };
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

export type Classified =
  | { readonly kind: 'success' }
  | { readonly kind: 'failure'; readonly error: WireError }
  /** The status does not answer this request: the child is off-protocol. */
  | { readonly kind: 'violation'; readonly error: WireError };

/** Classify `response` as the answer to `request`. */
export function classifyResponse(request: Request, response: Response): Classified {
  if (SUCCESS[request.op].includes(response.status)) return { kind: 'success' };
  const operation = request.op;
  const exportName = 'export' in request ? request.export : null;
  const failure = (code: ErrorCode, message: string, facts: Record<string, unknown>): Classified => ({
    kind: 'failure',
    error: wireError(code, message, { export: exportName, ...facts }),
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
      if (streams)
        return failure(ErrorCode.STREAM_EXPORT_FAILED, `stream export returned status ${statusByte}`, {
          statusByte,
        });
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
  const facts = {
    operation,
    generation,
    exitCode: exit.code,
    signal: exit.signal,
    stderrTail: exit.stderrTail,
  };
  return exit.success
    ? wireError(ErrorCode.CHILD_EXIT, `worker child exited during ${operation}`, facts)
    : wireError(
        ErrorCode.CHILD_CRASH,
        `worker child died during ${operation} (${exit.signal ?? `exit code ${exit.code}`})`,
        facts,
      );
}

/** A request aborted by the caller (before it was sent, or killed in flight). */
export function abortedError(spec: { readonly request: { readonly op: string } }, reason: string): WireError {
  return wireError(ErrorCode.ABORTED, `request aborted (${reason})`, { operation: spec.request.op, reason });
}
