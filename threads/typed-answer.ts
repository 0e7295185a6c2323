/**
 * A request's typed answer: the metadata of a `stream_complete` summary and the JSON of a
 * `json_command` response, read and checked against the command's schemas (`validation.ts`),
 * and the errors a value that fails its schema raises (`ROW_DECODE`, `SUMMARY_DECODE`,
 * `RESPONSE_DECODE`, each naming the export and carrying the issues).
 */
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { jsonDepthExceeds } from '../src/protocol/json-depth.js';
import type { Response } from '../src/protocol/messages.js';
import type { StreamSummaryData, SupervisorRequest, ThreadSchema } from '../src/protocol/port-messages.js';
import { wireError } from './outcome.js';
import { checkerFor } from './validation.js';

/** What a successful terminal response gives, or why it cannot succeed. */
export type TypedAnswer =
  | { readonly kind: 'answer'; readonly summary?: StreamSummaryData; readonly value?: unknown }
  /** The answer does not match the command's schema (or is not JSON): the request fails. */
  | { readonly kind: 'failure'; readonly error: WireError }
  /** The child broke the protocol: it is abandoned. */
  | { readonly kind: 'violation'; readonly error: WireError };

/** The error of a value that does not match its schema; `issues` says why. */
export function decodeError(
  code: ErrorCode,
  message: string,
  spec: SupervisorRequest,
  issues: string,
  facts: Record<string, unknown> = {},
): WireError {
  const exportName = 'export' in spec.request ? spec.request.export : null;
  return wireError(code, message, { export: exportName, ...facts, issues });
}

/** `value` checked against `schema` (absent: as it is), or the failure that names `what`. */
function checked(
  spec: SupervisorRequest,
  schema: ThreadSchema | null | undefined,
  value: unknown,
  code: ErrorCode,
  what: string,
): { readonly value: unknown } | TypedAnswer {
  if (!schema) return { value };
  const result = checkerFor(schema)(value);
  if (result.ok) return { value: result.value };
  const message = `${what} does not match the command's schema`;
  return { kind: 'failure', error: decodeError(code, message, spec, result.issues) };
}

/** Read and check the answer of a successful terminal `response` to `spec`. */
export function typedAnswer(spec: SupervisorRequest, response: Response, maxJsonDepth: number): TypedAnswer {
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
    const exportName = 'export' in spec.request ? spec.request.export : null;
    const facts = { reason: 'nesting_too_deep', maxDepth: maxJsonDepth, export: exportName };
    const message = `response JSON nests values deeper than ${maxJsonDepth} levels`;
    return { kind: 'violation', error: wireError(ErrorCode.PROTOCOL, message, facts) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.response_json);
  } catch (error) {
    const message = "response JSON does not match the command's schema";
    return {
      kind: 'failure',
      error: decodeError(ErrorCode.RESPONSE_DECODE, message, spec, (error as Error).message),
    };
  }
  const answer = checked(spec, spec.schemas?.response, parsed, ErrorCode.RESPONSE_DECODE, 'response');
  if ('kind' in answer) return answer;
  return { kind: 'answer', ...(answer.value !== undefined ? { value: answer.value } : {}) };
}
