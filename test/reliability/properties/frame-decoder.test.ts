/**
 * Properties of the frame decoder (`src/protocol/codec.ts`): however the input is cut, valid
 * frames come out unchanged; on any input it fails only with a typed `FrameError`, never holds
 * more than one frame's worth of bytes, and refuses a declared length above the cap before any
 * body is buffered. Every `push` is synchronous, so a property that finishes never hung.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrameText, FrameDecoder, FrameError } from '../../../src/protocol/codec.js';
import { FRAME_HEADER_BYTES, MIN_FRAME_BYTES } from '../../../src/protocol/constants.js';

/** Cut `bytes` at the given (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, offsets: number[]): Buffer[] {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** Push every chunk; returns the frames, the typed failure if any, and the largest buffer held. */
function feed(decoder: FrameDecoder, chunks: Uint8Array[]) {
  const frames: string[] = [];
  const lengths: number[] = [];
  let maxBuffered = 0;
  let failure: FrameError | null = null;
  for (const chunk of chunks) {
    try {
      frames.push(...decoder.push(chunk));
      lengths.push(...decoder.frameLengths);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      failure = error;
      break;
    }
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
    if (decoder.error) {
      failure = decoder.error;
      break;
    }
  }
  return { frames, lengths, failure, maxBuffered };
}

const jsonBodies = fc.array(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  { maxLength: 12 },
);
const offsets = fc.array(fc.nat(), { maxLength: 40 });
const caps = fc.integer({ min: MIN_FRAME_BYTES, max: 4 * MIN_FRAME_BYTES });

describe('property: frame decoder', () => {
  it('decodes valid frames identically however the input is chunked', () => {
    fc.assert(
      fc.property(jsonBodies, offsets, (bodies, cuts) => {
        const wire = Buffer.concat(bodies.map((b) => encodeFrameText(b)));
        const decoder = new FrameDecoder();
        const { frames, failure } = feed(decoder, cut(wire, cuts));
        expect(failure).toBeNull();
        expect(frames).toEqual(bodies);
        expect(decoder.bufferedBytes).toBe(0);
        expect(() => decoder.end()).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('fails only with a FrameError on random bytes and never buffers more than one capped frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), caps, (chunks, cap) => {
        const decoder = new FrameDecoder(cap);
        const { frames, lengths, maxBuffered } = feed(decoder, chunks);
        expect(maxBuffered).toBeLessThan(cap + FRAME_HEADER_BYTES);
        expect(lengths).toHaveLength(frames.length);
        for (const length of lengths) expect(length).toBeLessThanOrEqual(cap);
        try {
          decoder.end();
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a declared length above the cap before buffering any of its body', () => {
    fc.assert(
      fc.property(
        caps,
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 2048 }),
        jsonBodies,
        (cap, excess, body, before) => {
          const declared = Math.min(0xffffffff, cap + excess);
          const header = Buffer.alloc(FRAME_HEADER_BYTES);
          header.writeUInt32BE(declared, 0);
          const valid = before.map((b) => encodeFrameText(b, cap * 4)).filter((f) => f.length - 4 <= cap);
          const decoder = new FrameDecoder(cap);
          const { frames, failure } = feed(decoder, [Buffer.concat([...valid, header, body])]);
          // A header of four printable bytes is text a child wrote to stdout, shown as such.
          const text = [...header].every(
            (b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d,
          );
          if (text) expect(failure?.reason).toBe('non_protocol_output');
          else {
            expect(failure?.reason).toBe('frame_too_large');
            expect(failure?.facts).toMatchObject({ length: declared, maxFrameBytes: cap });
          }
          expect(frames).toHaveLength(valid.length);
          expect(decoder.bufferedBytes).toBe(0);
          // Poisoned: later input fails the same way without being buffered.
          expect(() => decoder.push(Buffer.from('more'))).toThrow(FrameError);
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fails only with a FrameError on mutated valid streams, cut anywhere', () => {
    const mutation = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(jsonBodies, fc.array(mutation, { maxLength: 8 }), offsets, (bodies, flips, cuts) => {
        const wire = Buffer.concat(bodies.map((b) => encodeFrameText(b)));
        if (wire.length > 0) for (const [at, byte] of flips) wire[at % wire.length] = byte;
        const decoder = new FrameDecoder(MIN_FRAME_BYTES);
        const { maxBuffered } = feed(decoder, cut(wire, cuts));
        expect(maxBuffered).toBeLessThan(MIN_FRAME_BYTES + FRAME_HEADER_BYTES);
      }),
      { numRuns: 500 },
    );
  });
});
