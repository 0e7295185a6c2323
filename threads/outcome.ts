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
  switch (response.status) {
    case 'error':
      return {
        kind: 'failure',
        error: wireError(ErrorCode.WORKER, `worker error ${response.code}: ${response.message}`, {
          operation,
          export: exportName,
          workerCode: response.code,
          workerMessage: response.message,
        }),
      };
    case 'stream_export_failed':
      if (operation !== 'run_data_stream') break;
      return {
        kind: 'failure',
        error: wireError(
          ErrorCode.STREAM_EXPORT_FAILED,
          `stream export returned status ${response.status_byte}`,
          {
            export: exportName,
            statusByte: response.status_byte,
          },
        ),
      };
    case 'stream_callback_failed':
      if (operation !== 'run_data_stream') break;
      return {
        kind: 'failure',
        error: wireError(
          ErrorCode.STREAM_CALLBACK_FAILED,
          `stream callback failed: ${response.description}`,
          {
            export: exportName,
            statusByte: response.status_byte,
            description: response.description,
          },
        ),
      };
    case 'stream_row_malformed':
      if (operation !== 'run_data_stream') break;
      return {
        kind: 'failure',
        error: wireError(ErrorCode.STREAM_ROW_MALFORMED, `malformed stream envelope: ${response.message}`, {
          export: exportName,
          detail: response.message,
        }),
      };
    case 'capability_metadata_malformed':
      if (operation !== 'capability_metadata') break;
      return {
        kind: 'failure',
        error: wireError(ErrorCode.METADATA_MALFORMED, `capability metadata malformed: ${response.message}`, {
          export: exportName,
          detail: response.message,
        }),
      };
    case 'capability_doctor_malformed':
      if (operation !== 'capability_doctor') break;
      return {
        kind: 'failure',
        error: wireError(ErrorCode.DOCTOR_MALFORMED, `capability doctor malformed: ${response.message}`, {
          export: exportName,
          detail: response.message,
        }),
      };
    default:
      break;
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
