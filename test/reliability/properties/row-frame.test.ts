/**
 * Properties of the row fast path (`RowFrameReader` of `src/protocol/decode.ts`): on any frame text it agrees with
 * a full parse of the frame. A canonically written row takes the fast path and comes back with
 * its payload text; anything else decodes, or fails, exactly as the general path does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, parseFrameBody } from '../../../src/protocol/codec.js';
import { decodeChildFrame, decodeChildMessage, RowFrameReader } from '../../../src/protocol/decode.js';
import { encodeDataRowRaw } from '../../../src/protocol/encode.js';

/**
 * What a full parse says a data_row frame is, or the reason it is refused. Frames of other types
 * (which the fast path never takes) are judged by the general decoder.
 */
function reference(text: string): unknown {
  try {
    const { type, body } = parseFrameBody(text);
    const row = body as { stream?: unknown; sequence?: unknown; payload?: unknown };
    if (type !== 'data_row') return { type: decodeChildMessage(text).type };
    if (
      typeof row?.stream !== 'string' ||
      !Number.isSafeInteger(row.sequence) ||
      (row.sequence as number) < 0
    ) {
      return { refused: 'invalid_message' };
    }
    if (!('payload' in row)) return { refused: 'invalid_message' };
    return { stream: row.stream, sequence: row.sequence, payload: row.payload };
  } catch (error) {
    return { refused: (error as FrameError).reason };
  }
}

function fast(text: string, reader = new RowFrameReader()): unknown {
  const bytes = Buffer.from(text, 'utf8');
  try {
    const message = decodeChildFrame(bytes, 0, bytes.length, reader);
    if (message.type !== 'data_row') return { type: message.type };
    return message.body;
  } catch (error) {
    if (!(error instanceof FrameError)) throw error;
    return { refused: error.reason };
  }
}

const streams = fc.oneof(fc.constantFrom('rows', 'messages', 'ℕ-stream', ''), fc.string({ maxLength: 8 }));
const sequences = fc.oneof(fc.nat(), fc.constantFrom(0, 9, 10, 2 ** 53 - 1, 999_999_999_999_999));
const payloads = fc.jsonValue({ maxDepth: 3 });

describe('property: row fast path', () => {
  it('reads every canonical row as written, with its payload text', () => {
    const reader = new RowFrameReader();
    fc.assert(
      fc.property(streams, sequences, payloads, (stream, sequence, payload) => {
        const payloadJson = JSON.stringify(payload);
        const bytes = encodeDataRowRaw(stream, sequence, payloadJson);
        const message = decodeChildFrame(bytes, 4, bytes.length, reader);
        expect(message.type).toBe('data_row');
        if (message.type !== 'data_row') return;
        expect(message.body).toEqual({ stream, sequence, payload: JSON.parse(payloadJson) });
        expect(message.body).toEqual(reference(bytes.toString('utf8', 4)));
        if (message.payloadText !== undefined)
          expect(JSON.parse(message.payloadText)).toEqual(message.body.payload);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with a full parse on any edit of a canonical row', () => {
    fc.assert(
      fc.property(
        streams,
        sequences,
        payloads,
        fc.nat(),
        fc.nat(),
        fc.string({ maxLength: 4 }),
        (stream, sequence, payload, at, drop, insert) => {
          const text = encodeDataRowRaw(stream, sequence, JSON.stringify(payload)).toString('utf8', 4);
          const from = at % (text.length + 1);
          const edited = text.slice(0, from) + insert + text.slice(from + (drop % 4));
          expect(fast(edited)).toEqual(reference(edited));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('decodes each frame alone whatever stream names came before', () => {
    const reader = new RowFrameReader();
    fc.assert(
      fc.property(fc.array(fc.tuple(streams, sequences), { minLength: 1, maxLength: 8 }), (rows) => {
        for (const [stream, sequence] of rows) {
          const bytes = encodeDataRowRaw(stream, sequence, '1');
          const message = decodeChildFrame(bytes, 4, bytes.length, reader);
          expect(message).toMatchObject({ type: 'data_row', body: { stream, sequence, payload: 1 } });
        }
      }),
    );
  });
});
