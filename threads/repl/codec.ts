/**
 * Framing of the leanprover-community `repl` stdin/stdout protocol. Pure: bytes and values in,
 * bytes and values out, no I/O.
 *
 * A request is one JSON object followed by a blank line. The repl reads lines until a blank one
 * and joins them, so a request must not contain a blank line of its own and must be exactly one
 * object: an extra blank line between requests is parsed as an (invalid) empty request and ends
 * the process. A response is one JSON object, possibly spread over several lines (Lean's pretty
 * printer wraps at 80 columns), followed by a blank line.
 */

import { ErrorCode } from '../../src/protocol/error-codes.js';
import { DEFAULT_REPL_RESPONSE_BYTES } from '../../src/protocol/worker-spec.js';
import { WireFailure, wireFailure } from '../outcome.js';
import { parseReplRequest, type ReplRequest } from './schemas.js';
import { parseWith } from './shape.js';

const NEWLINE = 0x0a;

/**
 * Encode one request: compact JSON (no raw newline can occur in it) and a blank line.
 * Throws `REQUEST_ENCODE` when the value is not a repl request.
 */
export function encodeReplRequest(request: ReplRequest): Buffer {
  const parsed = parseWith(parseReplRequest, request);
  if (!parsed.success) {
    throw wireFailure(ErrorCode.REQUEST_ENCODE, 'not a repl request', {
      kind: 'repl_request_invalid',
      issues: parsed.issues,
    });
  }
  return Buffer.from(`${JSON.stringify(request)}\n\n`, 'utf8');
}

/** One decoded response: the parsed JSON value and its size on the wire. */
export interface ReplDecodedResponse {
  readonly value: unknown;
  /** Bytes of the response text, blank-line terminator included. */
  readonly bytes: number;
}

/** What one {@link ReplResponseDecoder.push} produced. */
export interface ReplDecodeResult {
  /** Complete responses, in order, found before any error. */
  readonly responses: ReplDecodedResponse[];
  /**
   * Set when the stream became unreadable: `FRAME_TOO_LARGE` (a response passed the cap) or
   * `PROTOCOL` with `facts.kind === 'invalid_json'`. The decoder stays failed afterwards.
   */
  readonly error: WireFailure | undefined;
}

function isBlankByte(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0d;
}

const EXCERPT_CHARS = 200;

/**
 * Incremental response splitter for the repl's stdout. Accepts input cut at any byte (UTF-8 is
 * decoded only once a whole response is present), skips blank lines between responses, and
 * checks the byte cap as data arrives, so a runaway response is refused before it is buffered
 * whole.
 */
export class ReplResponseDecoder {
  readonly maxResponseBytes: number;
  #parts: Buffer[] = [];
  #bytes = 0;
  /** The current response has a non-blank line. */
  #hasContent = false;
  /** The current (unterminated) line has a non-blank byte. */
  #lineHasContent = false;
  #failed: WireFailure | undefined;

  constructor(maxResponseBytes: number = DEFAULT_REPL_RESPONSE_BYTES) {
    this.maxResponseBytes = maxResponseBytes;
  }

  /** Bytes held for a response that has not ended yet (leading blank lines excluded). */
  get bufferedBytes(): number {
    return this.midResponse ? this.#bytes : 0;
  }

  /** True when part of a response has arrived without its terminating blank line. */
  get midResponse(): boolean {
    return this.#hasContent || this.#lineHasContent;
  }

  /** The error that failed the decoder, if any. */
  get error(): WireFailure | undefined {
    return this.#failed;
  }

  /** Split `chunk` (with anything held back) into responses. */
  push(chunk: Uint8Array): ReplDecodeResult {
    const responses: ReplDecodedResponse[] = [];
    if (this.#failed) return { responses, error: this.#failed };
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let lineStart = 0;
    while (lineStart < buf.length) {
      const nl = buf.indexOf(NEWLINE, lineStart);
      const lineEnd = nl === -1 ? buf.length : nl;
      if (!this.#lineHasContent) {
        for (let i = lineStart; i < lineEnd; i++) {
          if (!isBlankByte(buf[i]!)) {
            this.#lineHasContent = true;
            break;
          }
        }
      }
      const segmentEnd = nl === -1 ? buf.length : nl + 1;
      this.#parts.push(buf.subarray(lineStart, segmentEnd));
      this.#bytes += segmentEnd - lineStart;
      lineStart = segmentEnd;
      if (this.midResponse && this.#bytes > this.maxResponseBytes)
        return { responses, error: this.#fail(this.#tooLarge()) };
      if (nl === -1) break;
      // A line ended.
      if (this.#lineHasContent) {
        this.#hasContent = true;
        this.#lineHasContent = false;
      } else if (this.#hasContent) {
        const response = this.#finish();
        if (response instanceof WireFailure) return { responses, error: this.#fail(response) };
        responses.push(response);
      } else {
        this.#reset();
      }
    }
    return { responses, error: undefined };
  }

  #finish(): ReplDecodedResponse | WireFailure {
    const bytes = this.#bytes;
    const text = Buffer.concat(this.#parts, bytes).toString('utf8');
    this.#reset();
    try {
      return { value: JSON.parse(text), bytes };
    } catch (cause) {
      return wireFailure(
        ErrorCode.PROTOCOL,
        'repl response is not valid JSON',
        { kind: 'invalid_json', bytes, excerpt: text.slice(0, EXCERPT_CHARS) },
        cause,
      );
    }
  }

  #tooLarge(): WireFailure {
    return wireFailure(ErrorCode.FRAME_TOO_LARGE, `repl response passed ${this.maxResponseBytes} bytes`, {
      kind: 'repl_response_too_large',
      bufferedBytes: this.#bytes,
      maxResponseBytes: this.maxResponseBytes,
    });
  }

  #fail(error: WireFailure): WireFailure {
    this.#failed = error;
    this.#parts = [];
    return error;
  }

  #reset(): void {
    this.#parts = [];
    this.#bytes = 0;
    this.#hasContent = false;
    this.#lineHasContent = false;
  }
}
