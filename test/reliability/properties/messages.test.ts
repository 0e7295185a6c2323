/**
 * Properties of message decoding (`src/protocol/decode.ts`): any frame body, in either direction,
 * decodes to a message or fails with a typed `FrameError`, never another error; valid rows and
 * responses decode to what was encoded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError } from '../../../src/protocol/codec.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/constants.js';
import { decodeChildMessage, decodeParentMessage } from '../../../src/protocol/decode.js';
import { encodeDataRowRaw, encodeResponse } from '../../../src/protocol/encode.js';
import { childBodyChecks, parentBodyChecks } from '../../../src/protocol/wire-checks.js';

/** Run `decode`; a thrown error must be a FrameError. */
function typedOrValue(decode: (text: string) => unknown, text: string): void {
  try {
    decode(text);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameError);
  }
}

/** Every message kind of the protocol, both directions. */
const MESSAGE_TYPES = [...Object.keys(childBodyChecks), ...Object.keys(parentBodyChecks)];
const typeNames = fc.oneof(fc.constantFrom(...MESSAGE_TYPES, 'request', 'bogus', '__proto__'), fc.string());
const versions = fc.oneof(fc.constant(PROTOCOL_VERSION), fc.jsonValue());
const frames = fc
  .record({ version: versions, type: typeNames, body: fc.jsonValue() })
  .map(({ version, type, body }) => JSON.stringify({ version, message: { type, body } }));

describe('property: message decoding', () => {
  it('fails only with a FrameError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        typedOrValue(decodeChildMessage, text);
        typedOrValue(decodeParentMessage, text);
      }),
      { numRuns: 500 },
    );
  });

  it('fails only with a FrameError on well-formed JSON of any shape, type or version', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          frames,
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          typedOrValue(decodeChildMessage, text);
          typedOrValue(decodeParentMessage, text);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('decodes a data row to the stream, sequence and payload that were encoded', () => {
    fc.assert(
      fc.property(fc.string(), fc.maxSafeNat(), fc.jsonValue(), (stream, sequence, payload) => {
        const frame = encodeDataRowRaw(stream, sequence, JSON.stringify(payload));
        const message = decodeChildMessage(frame.subarray(4).toString('utf8'));
        expect(message.type).toBe('data_row');
        if (message.type !== 'data_row') return;
        expect(message.body.stream).toBe(stream);
        expect(message.body.sequence).toBe(sequence);
        expect(JSON.stringify(message.body.payload)).toBe(JSON.stringify(payload));
      }),
      { numRuns: 300 },
    );
  });

  it('decodes an error response to the code and message that were encoded', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (code, message) => {
        const frame = encodeResponse({ status: 'error', code, message });
        expect(decodeChildMessage(frame.subarray(4).toString('utf8'))).toEqual({
          type: 'response',
          body: { status: 'error', code, message },
        });
      }),
      { numRuns: 200 },
    );
  });
});
