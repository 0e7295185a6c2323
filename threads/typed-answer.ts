/**
 * A request's typed answer: the metadata of a `stream_complete` summary and the JSON of a
 * `json_command` response, read and checked against the command's schemas (`validation.ts`),
 * and the errors a value that fails its schema raises (`ROW_DECODE`, `SUMMARY_DECODE`,
 * `RESPONSE_DECODE`, each naming the export and carrying the issues).
 */
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { jsonDepthExceeds } from '../src/protocol/json-depth.js';
import type { Response } from '../src/protocol/messages.js';
import type { StreamSummaryData, SupervisorRequest } from '../src/protocol/port-messages.js';
import { wireError } from './outcome.js';
import { checkerFor } from './validation.js';

/** What a successful terminal response gives, or why it cannot succeed. */
export type TypedAnswer =
  | { readonly kind: 'answer'; readonly summary?: StreamSummaryData; readonly value?: unknown }
  /** The answer does not match the command's schema (or is not JSON): the request fails. */
  | { readonly kind: 'failure'; readonly error: WireError }
  /** The child broke the protocol: it is abandoned. */
  | { readonly kind: 'violation'; readonly error: WireError };

/** The export a request calls, or null for an operation without one. */
export function exportNameOf(spec: SupervisorRequest): string | null {
  const r = spec.request;
  return 'export' in r ? r.export : null;
}

/** The error of a value that does not match its schema; `issues` says why. */
export function decodeError(
  code: ErrorCode,
  message: string,
  spec: SupervisorRequest,
  issues: string,
  facts: Record<string, unknown> = {},
): WireError {
  return wireError(code, message, {
    export: exportNameOf(spec),
    ...facts,
    issues,
  });
}

const mismatch = (what: string) => `${what} does not match the command's schema`;

/** Read and check the answer of a successful terminal `response` to `spec`. */
export function typedAnswer(spec: SupervisorRequest, response: Response, maxJsonDepth: number): TypedAnswer {
  if (response.status === 'stream_complete') {
    let metadata: unknown = response.summary.metadata ?? null;
    const schema = spec.schemas?.summary;
    if (schema && metadata !== null) {
      const checked = checkerFor(schema)(metadata);
      if (!checked.ok) {
        return {
          kind: 'failure',
          error: decodeError(ErrorCode.SUMMARY_DECODE, mismatch('summary metadata'), spec, checked.issues),
        };
      }
      metadata = checked.value;
    }
    const summary: StreamSummaryData = {
      totalRows: response.summary.total_rows,
      perStreamCounts: response.summary.per_stream_counts,
      elapsedMs: response.summary.elapsed_micros / 1000,
      metadata,
    };
    return { kind: 'answer', summary };
  }
  if (response.status !== 'json_command') return { kind: 'answer' };
  if (jsonDepthExceeds(response.response_json, maxJsonDepth)) {
    return {
      kind: 'violation',
      error: wireError(ErrorCode.PROTOCOL, `response JSON nests values deeper than ${maxJsonDepth} levels`, {
        reason: 'nesting_too_deep',
        maxDepth: maxJsonDepth,
        export: exportNameOf(spec),
      }),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(response.response_json);
  } catch (error) {
    const message = (error as Error).message;
    return {
      kind: 'failure',
      error: decodeError(ErrorCode.RESPONSE_DECODE, mismatch('response JSON'), spec, message),
    };
  }
  const schema = spec.schemas?.response;
  if (schema) {
    const checked = checkerFor(schema)(value);
    if (!checked.ok) {
      return {
        kind: 'failure',
        error: decodeError(ErrorCode.RESPONSE_DECODE, mismatch('response'), spec, checked.issues),
      };
    }
    value = checked.value;
  }
  return { kind: 'answer', ...(value !== undefined ? { value } : {}) };
}
