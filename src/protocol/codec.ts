/**
 * Length-prefixed JSON framing: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
 * Pure transformation, no I/O. The decoder checks the declared length against the cap before it
 * allocates or waits for a body, and accepts input cut at any byte boundary.
 */
import { DEFAULT_FRAME_BYTES, FRAME_HEADER_BYTES, PROTOCOL_VERSION } from './constants.js';

/** Why a frame could not be read or written. */
export type FrameErrorReason =
  | 'frame_too_large'
  | 'invalid_json'
  | 'invalid_frame'
  | 'version_mismatch'
  | 'invalid_message'
  | 'invalid_utf8'
  | 'nesting_too_deep'
  | 'truncated'
  | 'non_protocol_output';

/** A codec failure with its facts. Codes are mapped to library error classes by the caller. */
export class FrameError extends Error {
  override readonly name = 'FrameError';

  constructor(
    readonly reason: FrameErrorReason,
    message: string,
    readonly facts: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** Bytes of stray output an error shows. @default 200 (bytes) */
export const STRAY_EXCERPT_BYTES = 200;

const isTextByte = (b: number) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * A header that is text (four printable ASCII bytes, as `console.log` output is) is no length:
 * the child wrote non-protocol bytes to stdout. The error shows them. Such a header always
 * declares more than any frame cap allows, so it is only looked for when the length is refused.
 */
function strayText(buf: Buffer, offset: number): FrameError | null {
  for (let i = offset; i < offset + FRAME_HEADER_BYTES; i++) if (!isTextByte(buf[i]!)) return null;
  const excerpt = buf.subarray(offset, offset + STRAY_EXCERPT_BYTES).toString('utf8');
  return new FrameError(
    'non_protocol_output',
    `the child wrote non-protocol bytes to stdout (stdout carries the frames; log to stderr): ${JSON.stringify(excerpt)}`,
    { excerpt, bytes: buf.length - offset },
  );
}

/** Encode one already-serialised JSON body as a frame; throws `frame_too_large` without output. */
export function encodeFrameText(json: string, maxFrameBytes: number = DEFAULT_FRAME_BYTES): Buffer {
  const bodyLength = Buffer.byteLength(json, 'utf8');
  if (bodyLength > maxFrameBytes) {
    throw new FrameError('frame_too_large', `frame too large: ${bodyLength} bytes exceeds ${maxFrameBytes}`, {
      length: bodyLength,
      maxFrameBytes,
    });
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLength);
  out.writeUInt32BE(bodyLength, 0);
  out.write(json, FRAME_HEADER_BYTES, 'utf8');
  return out;
}

const NO_BYTES: Buffer = Buffer.alloc(0);

/**
 * Frame bodies found by one `FrameDecoder.split()`: body `i` is `buffer[spans[2i], spans[2i+1])`.
 * Valid until the next `split()` or `push()`, which reuse the `spans` array.
 */
export type FrameSpans = { readonly buffer: Buffer; readonly spans: readonly number[] };

/**
 * Incremental frame splitter. `split()` locates the complete frame bodies found so far in the
 * bytes, without copying or decoding them; `push()` returns them as UTF-8 strings. A declared
 * length above the cap throws before any body is buffered; after a throw the decoder is poisoned
 * and throws the same error again.
 */
export class FrameDecoder {
  /** The bytes of an incomplete frame, held for the next chunk. */
  #rest = NO_BYTES;
  #needed = -1;
  #failed: FrameError | undefined;
  readonly #spans: number[] = [];
  /** Byte length of each frame body returned by the last `push()`, in the same order. */
  readonly frameLengths: number[] = [];

  /** @param maxFrameBytes The cap applied to frames whose header has not been read yet. */
  constructor(public maxFrameBytes: number = DEFAULT_FRAME_BYTES) {}

  /** The error that stopped decoding, once there is one (later pushes throw it). */
  get error(): FrameError | undefined {
    return this.#failed;
  }

  /** Bytes held for an incomplete frame. */
  get bufferedBytes(): number {
    return this.#rest.length;
  }

  /** Split `chunk` (plus anything held back) into complete frame bodies, as UTF-8 strings. */
  push(chunk: Uint8Array): string[] {
    const { buffer, spans } = this.split(chunk);
    const frames: string[] = [];
    this.frameLengths.length = 0;
    for (let i = 0; i < spans.length; i += 2) {
      frames.push(buffer.toString('utf8', spans[i], spans[i + 1]));
      this.frameLengths.push(spans[i + 1]! - spans[i]!);
    }
    return frames;
  }

  /** Locate the complete frame bodies in `chunk` (plus anything held back). */
  split(chunk: Uint8Array): FrameSpans {
    if (this.#failed) throw this.#failed;
    const spans = this.#spans;
    spans.length = 0;
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#rest.length > 0) buf = Buffer.concat([this.#rest, buf]);
    let offset = 0;
    while (true) {
      if (this.#needed < 0) {
        if (buf.length - offset < FRAME_HEADER_BYTES) break;
        const length = buf.readUInt32BE(offset);
        if (length > this.maxFrameBytes) {
          this.#failed =
            strayText(buf, offset) ??
            new FrameError(
              'frame_too_large',
              `frame too large: declared ${length} bytes exceeds ${this.maxFrameBytes}`,
              { length, maxFrameBytes: this.maxFrameBytes },
            );
          // Frames completed before the bad header are still returned; the error is then in `error`.
          if (spans.length > 0) return { buffer: buf, spans };
          throw this.#failed;
        }
        this.#needed = length;
        offset += FRAME_HEADER_BYTES;
      }
      if (buf.length - offset < this.#needed) break;
      spans.push(offset, offset + this.#needed);
      offset += this.#needed;
      this.#needed = -1;
    }
    this.#rest = offset < buf.length ? buf.subarray(offset) : NO_BYTES;
    return { buffer: buf, spans };
  }

  /** Call at end of input: throws `truncated` if a partial frame is held. */
  end(): void {
    if (this.#failed) return;
    if (this.#rest.length > 0 || this.#needed >= 0) {
      this.#failed = new FrameError('truncated', 'stream ended inside a frame', {
        bufferedBytes: this.#rest.length,
        declaredLength: this.#needed >= 0 ? this.#needed : null,
      });
      throw this.#failed;
    }
  }
}

/** Parse a frame body to its `message`, checking JSON, envelope shape and version. */
export function parseFrameBody(text: string): { readonly type: string; readonly body: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FrameError('invalid_json', `frame is not valid JSON: ${(error as Error).message}`, {
      length: text.length,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new FrameError('invalid_frame', 'frame is not a JSON object');
  const frame = value as { version?: unknown; message?: unknown };
  if (frame.version !== PROTOCOL_VERSION) {
    throw new FrameError(
      'version_mismatch',
      // JSON text, not String(): a hostile `{"toString":null}` must not throw a TypeError here.
      `protocol version mismatch: expected ${PROTOCOL_VERSION}, received ${JSON.stringify(frame.version)}`,
      { expected: PROTOCOL_VERSION, actual: frame.version ?? null },
    );
  }
  const message = frame.message as { type?: unknown; body?: unknown } | null | undefined;
  if (typeof message !== 'object' || message === null || typeof message.type !== 'string')
    throw new FrameError('invalid_frame', 'frame has no message with a string type');
  return { type: message.type, body: message.body };
}
