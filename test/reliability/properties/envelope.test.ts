/**
 * Properties of the child kit's envelope parser (`src/child/parse-envelope.ts`) and its frame
 * reader (`src/child/stdio.ts`): the parser never throws and reads back what the helpers build;
 * the reader yields the same frames however its input is chunked and refuses oversize lengths.
 */
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagnostic, metadata, progress, row } from '../../../src/child/envelope.js';
import { parseEnvelope } from '../../../src/child/parse-envelope.js';
import { FrameReader } from '../../../src/child/stdio.js';
import { encodeFrameText, FrameError } from '../../../src/protocol/codec.js';
import { MIN_FRAME_BYTES } from '../../../src/protocol/constants.js';

const KINDS = new Set(['row', 'diagnostic', 'progress', 'metadata', 'malformed']);
const nonEmpty = fc.string({ minLength: 1 });

describe('property: envelope parser', () => {
  it('never throws and always names one of its kinds', () => {
    const inputs = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            stream: fc.jsonValue(),
            payload: fc.jsonValue(),
            diagnostic: fc.jsonValue(),
            progress: fc.jsonValue(),
            metadata: fc.jsonValue(),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(inputs, fc.nat(), (raw, cutAt) => {
        for (const text of [raw, raw.slice(0, cutAt % (raw.length + 1))]) {
          expect(KINDS.has(parseEnvelope(text).kind)).toBe(true);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads back the stream and payload of every row the helper builds', () => {
    const payloads = fc.jsonValue().filter((v) => v !== null);
    fc.assert(
      fc.property(nonEmpty, payloads, (stream, payload) => {
        const event = parseEnvelope(row(stream, payload));
        expect(event.kind).toBe('row');
        if (event.kind !== 'row') return;
        expect(event.stream).toBe(stream);
        expect(JSON.stringify(JSON.parse(event.payloadJson))).toBe(JSON.stringify(payload));
      }),
      { numRuns: 500 },
    );
  });

  it('reads back diagnostics, progress and metadata the helpers build', () => {
    fc.assert(
      fc.property(nonEmpty, fc.string(), fc.maxSafeNat(), fc.jsonValue(), (code, message, n, value) => {
        expect(parseEnvelope(diagnostic(code, message))).toEqual({ kind: 'diagnostic', code, message });
        expect(parseEnvelope(progress(code, n, null))).toEqual({
          kind: 'progress',
          phase: code,
          current: n,
          total: null,
        });
        const meta = parseEnvelope(metadata(value));
        if (value !== null) expect(meta.kind).toBe('metadata');
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: child frame reader', () => {
  it('yields the same frames however its input is chunked, then a clean end', async () => {
    const bodies = fc.array(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      { maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(bodies, fc.array(fc.nat(), { maxLength: 20 }), async (texts, cuts) => {
        const wire = Buffer.concat(texts.map((t) => encodeFrameText(t)));
        const input = new PassThrough();
        const reader = new FrameReader(input);
        const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, wire.length]) {
          input.write(wire.subarray(from, p));
          from = p;
        }
        input.end();
        const read: string[] = [];
        for (let next = await reader.next(); next !== null; next = await reader.next()) read.push(next);
        expect(read).toEqual(texts);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a declared length above its cap with a FrameError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MIN_FRAME_BYTES + 1, max: 0xffffffff }), async (declared) => {
        const input = new PassThrough();
        const reader = new FrameReader(input);
        reader.maxFrameBytes = MIN_FRAME_BYTES;
        const header = Buffer.alloc(4);
        header.writeUInt32BE(declared, 0);
        input.write(header);
        await expect(reader.next()).rejects.toBeInstanceOf(FrameError);
        input.destroy();
      }),
      { numRuns: 100 },
    );
  });
});
