/**
 * Typed decoding of child-to-parent frame bodies, the direction the supervisor thread reads, with
 * no zod: rows take a hand-checked fast path on the frame's bytes (they are the hot path), every
 * other message is checked by `child-checks.ts`, which accepts what the zod schemas of
 * `messages.ts` accept.
 */
import { isUtf8 } from 'node:buffer';
import { type Check, CheckFailure, childBodyChecks } from './child-checks.js';
import { FrameError, parseFrameBody } from './codec.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './json-depth.js';
import type { ChildMessage } from './messages.js';
import { RowFrameReader } from './row-frame.js';

/** The error of a `type` message whose body is off-protocol (`detail` says how). */
export function invalid(type: string, detail: string): FrameError {
  return new FrameError('invalid_message', `invalid ${type} message: ${detail}`, { messageType: type });
}

function check<T>(type: string, checkBody: Check<T>, body: unknown): T {
  try {
    return checkBody(body);
  } catch (error) {
    if (error instanceof CheckFailure) throw invalid(type, error.describe('body'));
    throw error;
  }
}

/** Check a row body decoded on the general path. */
function checkRow(body: unknown): ChildMessage {
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
  return {
    type: 'data_row',
    body: { stream: row.stream, sequence: row.sequence as number, payload: row.payload },
  };
}

const sharedReader = new RowFrameReader();

/** Levels the envelope adds around a message body's values (frame, message, body). */
const ENVELOPE_DEPTH = 3;

/**
 * Decode the child-to-parent frame body in `bytes[start, end)`. Canonically written rows take the
 * fast path (`RowFrameReader`); everything else is decoded and validated in full. Throws
 * `FrameError` on anything off-protocol: bytes that are not UTF-8 (`invalid_utf8`, never replaced
 * by U+FFFD) and values nested deeper than `maxDepth` (`nesting_too_deep`) included.
 */
export function decodeChildFrame(
  bytes: Buffer,
  start: number,
  end: number,
  reader: RowFrameReader = sharedReader,
  maxDepth: number = DEFAULT_MAX_JSON_DEPTH,
): ChildMessage {
  if (!isUtf8(bytes.subarray(start, end))) {
    throw new FrameError('invalid_utf8', 'frame is not valid UTF-8', { length: end - start });
  }
  if (jsonDepthExceeds(bytes, maxDepth + ENVELOPE_DEPTH, start, end)) {
    throw new FrameError('nesting_too_deep', `frame nests values deeper than ${maxDepth} levels`, {
      maxDepth,
      length: end - start,
    });
  }
  const row = reader.read(bytes, start, end);
  if (row) {
    const body = { stream: row.stream, sequence: row.sequence, payload: row.payload };
    return { type: 'data_row', body, payloadText: row.payloadText };
  }
  return decodeGeneral(bytes.toString('utf8', start, end));
}

/** Decode a child-to-parent frame body given as text. Throws `FrameError` on anything off-protocol. */
export function decodeChildMessage(text: string): ChildMessage {
  const bytes = Buffer.from(text, 'utf8');
  return decodeChildFrame(bytes, 0, bytes.length);
}

function decodeGeneral(text: string): ChildMessage {
  const { type, body } = parseFrameBody(text);
  if (type === 'data_row') return checkRow(body);
  if (!Object.hasOwn(childBodyChecks, type)) {
    throw new FrameError('invalid_message', `unexpected message type from child: ${type}`, {
      messageType: type,
    });
  }
  const checkBody: Check<unknown> = childBodyChecks[type as keyof typeof childBodyChecks];
  return { type, body: check(type, checkBody, body) } as ChildMessage;
}
