/**
 * Typed decoding of frame bodies in each direction. Rows take a hand-checked fast path (they are
 * the hot path); every other message is validated by its compiled zod schema.
 */
import { z } from 'zod';
import { FrameError, parseFrameBody } from './codec.js';
import { PROTOCOL_VERSION } from './constants.js';
import {
  type ChildMessage,
  configureFrameLimitSchema,
  diagnosticSchema,
  fatalExitSchema,
  handshakeSchema,
  type ParentMessage,
  progressTickSchema,
  requestSchema,
  responseSchema,
} from './messages.js';

const compiled = {
  handshake: z.compile(handshakeSchema),
  response: z.compile(responseSchema),
  diagnostic: z.compile(diagnosticSchema),
  progress_tick: z.compile(progressTickSchema),
  fatal_exit: z.compile(fatalExitSchema),
  configure_frame_limit: z.compile(configureFrameLimitSchema),
  request: z.compile(requestSchema),
};

function invalid(type: string, detail: string): FrameError {
  return new FrameError('invalid_message', `invalid ${type} message: ${detail}`, { messageType: type });
}

function check<T>(
  type: string,
  schema: { safeParse(v: unknown): z.ZodSafeParseResult<T> },
  body: unknown,
): T {
  const result = schema.safeParse(body);
  if (!result.success) throw invalid(type, z.prettifyError(result.error));
  return result.data;
}

/**
 * A data row as the Rust peer and the child kit write it, compactly and in serde key order. The
 * row fast path parses only the body between this prefix and the closing `}}`, which halves the
 * parse cost of a typical row frame.
 */
const ROW_PREFIX = `{"version":${PROTOCOL_VERSION},"message":{"type":"data_row","body":`;
const ROW_SUFFIX = '}}';

/**
 * Decode a canonically written row frame, or `undefined` to take the general path. If
 * the text between prefix and suffix parses as one JSON value, the whole frame is exactly
 * `{version, message: {type: "data_row", body: value}}`, so the result is the same as a full
 * parse; anything else (extra keys, whitespace, invalid JSON) falls back to the general path,
 * which also produces its error.
 */
function decodeCanonicalRow(text: string): ChildMessage | undefined {
  if (!text.startsWith(ROW_PREFIX) || !text.endsWith(ROW_SUFFIX)) return undefined;
  const bodyText = text.slice(ROW_PREFIX.length, text.length - ROW_SUFFIX.length);
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  return checkRow(body, bodyText);
}

/** Check a row body; `bodyText` is kept only when the body has exactly the three row keys. */
function checkRow(body: unknown, bodyText?: string): ChildMessage {
  const row = body as { stream?: unknown; sequence?: unknown; payload?: unknown } | null;
  if (
    typeof row !== 'object' ||
    row === null ||
    typeof row.stream !== 'string' ||
    !Number.isSafeInteger(row.sequence) ||
    (row.sequence as number) < 0 ||
    !('payload' in row)
  ) {
    throw invalid('data_row', 'expected {stream: string, sequence: u64, payload}');
  }
  const decoded = { stream: row.stream, sequence: row.sequence as number, payload: row.payload };
  if (bodyText === undefined) return { type: 'data_row', body: decoded };
  let keys = 0;
  for (const _ in row) keys += 1;
  return keys === 3 ? { type: 'data_row', body: decoded, bodyText } : { type: 'data_row', body: decoded };
}

/** Decode a child-to-parent frame body. Throws `FrameError` on anything off-protocol. */
export function decodeChildMessage(text: string): ChildMessage {
  const fast = decodeCanonicalRow(text);
  if (fast) return fast;
  const { type, body } = parseFrameBody(text);
  switch (type) {
    case 'data_row':
      return checkRow(body);
    case 'handshake':
      return { type, body: check(type, compiled.handshake, body) };
    case 'response':
      return { type, body: check(type, compiled.response, body) };
    case 'diagnostic':
      return { type, body: check(type, compiled.diagnostic, body) };
    case 'progress_tick':
      return { type, body: check(type, compiled.progress_tick, body) };
    case 'fatal_exit':
      return { type, body: check(type, compiled.fatal_exit, body) };
    default:
      throw new FrameError('invalid_message', `unexpected message type from child: ${type}`, {
        messageType: type,
      });
  }
}

/** Decode a parent-to-child frame body. Throws `FrameError` on anything off-protocol. */
export function decodeParentMessage(text: string): ParentMessage {
  const { type, body } = parseFrameBody(text);
  switch (type) {
    case 'configure_frame_limit':
      return { type, body: check(type, compiled.configure_frame_limit, body) };
    case 'request':
      return { type, body: check(type, compiled.request, body) };
    default:
      throw new FrameError('invalid_message', `unexpected message type from parent: ${type}`, {
        messageType: type,
      });
  }
}
