/**
 * Typed decoding of frame bodies in each direction, with no zod (the supervisor thread loads it).
 * Every message is checked by `wire-checks.ts` but a row from the child written as the Rust peer
 * and the child kit write it, compactly and in serde key order:
 * `{"version":10,"message":{"type":"data_row","body":{"stream":S,"sequence":N,"payload":P}}}`.
 * Rows are the hot path: `RowFrameReader` reads the envelope, the stream name and the sequence
 * from the bytes by hand, and decodes and parses only the payload `P`; anything else takes the
 * general path.
 */
import { isUtf8 } from 'node:buffer';
import { FrameError, parseFrameBody } from './codec.js';
import { PROTOCOL_VERSION } from './constants.js';
import { DEFAULT_MAX_JSON_DEPTH, jsonDepthExceeds } from './json-depth.js';
import type { ChildMessage, ParentMessage } from './messages.js';
import { type Check, checkBody, childBodyChecks, parentBodyChecks } from './wire-checks.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

const ROW_PREFIX = ascii(`{"version":${PROTOCOL_VERSION},"message":{"type":"data_row","body":{"stream":"`);
const SEQUENCE_KEY = ascii('","sequence":');
const PAYLOAD_KEY = ascii(',"payload":');
/** The closing `}}}` of the row body, the message and the envelope. */
const ROW_SUFFIX = ascii('}}}');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** Digits of the largest sequence read here (Number.MAX_SAFE_INTEGER has 16). */
const MAX_SEQUENCE_DIGITS = 15;

/** A row read on the fast path. `payloadText` parses to `payload`. */
export interface FastRow {
  readonly stream: string;
  readonly sequence: number;
  readonly payload: unknown;
  readonly payloadText: string;
}

/**
 * Whether `literal` is at `bytes[at]`, ending by `end`. A loop, not `Buffer.compare`: for
 * literals this short the native call costs more than the bytes (0.6 us a row over four calls).
 */
function matchesAt(bytes: Uint8Array, at: number, end: number, literal: Uint8Array): boolean {
  if (at + literal.length > end) return false;
  for (let i = 0; i < literal.length; i++) if (bytes[at + i] !== literal[i]) return false;
  return true;
}

/**
 * Reads canonically written row frames. It remembers the last stream name it decoded, so the rows
 * of one stream share one string and the name is decoded once.
 */
export class RowFrameReader {
  #lastName: Uint8Array = new Uint8Array(0);
  #lastStream = '';

  /**
   * The row in `bytes[start, end)`, or `undefined` to take the general path. When the bytes
   * after `"payload":` and before the closing `}}}` parse as one JSON value, the frame is exactly
   * `{version, message: {type: "data_row", body: {stream, sequence, payload}}}`, so the result is
   * the one a full parse gives. Another key order, whitespace, an escape or control character in
   * the stream name, a sequence that is not a plain non-negative integer or invalid JSON all fall
   * back, and the general path then also produces the error.
   */
  read(bytes: Buffer, start: number, end: number): FastRow | undefined {
    if (!matchesAt(bytes, start, end, ROW_PREFIX)) return undefined;
    const payloadEnd = end - ROW_SUFFIX.length;
    if (!matchesAt(bytes, payloadEnd, end, ROW_SUFFIX)) return undefined;
    const nameStart = start + ROW_PREFIX.length;
    let at = nameStart;
    for (; at < payloadEnd; at++) {
      const c = bytes[at] as number;
      if (c === QUOTE) break;
      if (c < 0x20 || c === BACKSLASH) return undefined;
    }
    const stream = this.#streamName(bytes, nameStart, at);
    if (!matchesAt(bytes, at, payloadEnd, SEQUENCE_KEY)) return undefined;
    at += SEQUENCE_KEY.length;
    const digitsStart = at;
    let sequence = 0;
    for (let c = bytes[at] as number; c >= 0x30 && c <= 0x39 && at < payloadEnd; c = bytes[++at] as number) {
      sequence = sequence * 10 + (c - 0x30);
    }
    const digits = at - digitsStart;
    if (digits === 0 || digits > MAX_SEQUENCE_DIGITS) return undefined;
    if (digits > 1 && bytes[digitsStart] === 0x30) return undefined;
    if (!matchesAt(bytes, at, payloadEnd, PAYLOAD_KEY)) return undefined;
    const payloadText = bytes.toString('utf8', at + PAYLOAD_KEY.length, payloadEnd);
    let payload: unknown;
    try {
      payload = JSON.parse(payloadText);
    } catch {
      return undefined;
    }
    return { stream, sequence, payload, payloadText };
  }

  #streamName(bytes: Buffer, from: number, to: number): string {
    const last = this.#lastName;
    let same = last.length === to - from;
    for (let i = 0; same && i < last.length; i++) same = bytes[from + i] === last[i];
    if (same) return this.#lastStream;
    this.#lastName = Uint8Array.prototype.slice.call(bytes, from, to);
    this.#lastStream = bytes.toString('utf8', from, to);
    return this.#lastStream;
  }
}

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
