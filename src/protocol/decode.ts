/**
 * Typed decoding of frame bodies in each direction, with no zod (the supervisor thread loads it):
 * rows from the child take a hand-checked fast path on the frame's bytes (they are the hot path),
 * every other message is checked by `wire-checks.ts`.
 */
import { isUtf8 } from 'node:buffer';
import { FrameError, parseFrameBody } from './codec.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './json-depth.js';
import type { ChildMessage, ParentMessage } from './messages.js';
import { RowFrameReader } from './row-frame.js';
import { type Check, checkBody, childBodyChecks, parentBodyChecks } from './wire-checks.js';

/** The message of a frame body whose type `checks` names, its body checked. */
function decodeChecked(text: string, checks: Readonly<Record<string, Check<unknown>>>, from: string) {
  const { type, body } = parseFrameBody(text);
  if (!Object.hasOwn(checks, type)) {
    throw new FrameError('invalid_message', `unexpected message type from ${from}: ${type}`, {
      messageType: type,
    });
  }
  return { type, body: checkBody(type, checks[type] as Check<unknown>, body) };
}

/** Decode a parent-to-child frame body. Throws `FrameError` on anything off-protocol. */
export function decodeParentMessage(text: string): ParentMessage {
  return decodeChecked(text, parentBodyChecks, 'parent') as ParentMessage;
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
  return decodeChecked(bytes.toString('utf8', start, end), childBodyChecks, 'child') as ChildMessage;
}

/** Decode a child-to-parent frame body given as text. Throws `FrameError` on anything off-protocol. */
export function decodeChildMessage(text: string): ChildMessage {
  const bytes = Buffer.from(text, 'utf8');
  return decodeChildFrame(bytes, 0, bytes.length);
}
