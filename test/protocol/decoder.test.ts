/** Frame decoding: chunk boundaries, the cap before allocation, and every failure reason. */
import { describe, expect, it } from 'vitest';
import { encodeFrameText, FrameDecoder, FrameError, parseFrameBody } from '../../src/protocol/codec.js';
import { MIN_FRAME_BYTES } from '../../src/protocol/constants.js';
import { decodeChildMessage, decodeParentMessage } from '../../src/protocol/decode.js';
import {
  encodeDataRowRaw,
  encodeHandshake,
  encodeRequest,
  encodeResponse,
} from '../../src/protocol/encode.js';

function reason(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof FrameError) return error.reason;
    throw error;
  }
  return undefined;
}

const stream = Buffer.concat([
  encodeHandshake('0.7.3'),
  encodeDataRowRaw('rows', 0, '{"t":"∀ x : ℝ, x ≤ x"}'),
  encodeDataRowRaw('rows', 1, '"⊢ ℕ → ℕ"'),
  encodeResponse({ status: 'health_ok' }),
]);
const expected = ['handshake', 'data_row', 'data_row', 'response'];

describe('FrameDecoder', () => {
  it('splits frames fed one byte at a time, multi-byte characters included', () => {
    const decoder = new FrameDecoder();
    const frames: string[] = [];
    for (let i = 0; i < stream.length; i++) frames.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(frames.map((f) => decodeChildMessage(f).type)).toEqual(expected);
    expect(decoder.bufferedBytes).toBe(0);
    expect(() => decoder.end()).not.toThrow();
  });

  it.each([2, 3, 5, 7, 64])('splits frames at every boundary for %i-byte chunks', (size) => {
    for (let offset = 0; offset < size; offset++) {
      const decoder = new FrameDecoder();
      const frames: string[] = [...decoder.push(stream.subarray(0, offset))];
      for (let i = offset; i < stream.length; i += size)
        frames.push(...decoder.push(stream.subarray(i, i + size)));
      expect(frames.map((f) => decodeChildMessage(f).type)).toEqual(expected);
    }
  });

  it('reports the byte length of each frame body', () => {
    const decoder = new FrameDecoder();
    decoder.push(stream);
    expect(decoder.frameLengths[1]).toBe(encodeDataRowRaw('rows', 0, '{"t":"∀ x : ℝ, x ≤ x"}').length - 4);
  });

  it('refuses a declared 4 GiB length from the header alone, holding nothing', () => {
    const decoder = new FrameDecoder();
    const header = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    let error: unknown;
    try {
      decoder.push(header);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).reason).toBe('frame_too_large');
    expect((error as FrameError).facts).toMatchObject({ length: 0xffff_ffff });
    expect(decoder.bufferedBytes).toBe(0);
    expect(reason(() => decoder.push(Buffer.from('{}')))).toBe('frame_too_large');
  });

  it('checks the cap in force when the header is read', () => {
    const decoder = new FrameDecoder(MIN_FRAME_BYTES);
    const big = encodeFrameText(JSON.stringify({ pad: 'x'.repeat(MIN_FRAME_BYTES) }), 1 << 20);
    expect(reason(() => decoder.push(big.subarray(0, 4)))).toBe('frame_too_large');
    const raised = new FrameDecoder(MIN_FRAME_BYTES);
    raised.maxFrameBytes = 1 << 20;
    expect(raised.push(big)).toHaveLength(1);
  });

  it('accepts a frame of exactly the cap', () => {
    const json = JSON.stringify({ pad: 'x'.repeat(MIN_FRAME_BYTES - 10) });
    const decoder = new FrameDecoder(Buffer.byteLength(json));
    expect(decoder.push(encodeFrameText(json, Buffer.byteLength(json)))).toHaveLength(1);
  });

  it('reports a frame truncated at end of input', () => {
    const whole = encodeResponse({ status: 'health_ok' });
    for (const cut of [1, 3, 4, 5, whole.length - 1]) {
      const decoder = new FrameDecoder();
      decoder.push(whole.subarray(0, cut));
      expect(reason(() => decoder.end())).toBe('truncated');
    }
  });
});

describe('encodeFrameText', () => {
  it('refuses a body over the cap without output', () => {
    expect(reason(() => encodeFrameText('"xxxxx"', 6))).toBe('frame_too_large');
    expect(encodeFrameText('"xxxx"', 6).length).toBe(10);
  });
});

describe('frame body validation', () => {
  it.each([
    ['invalid JSON', '{"version":10,', 'invalid_json'],
    ['not an object', '[10]', 'invalid_frame'],
    ['wrong version', '{"version":9,"message":{"type":"handshake","body":{}}}', 'version_mismatch'],
    ['missing version', '{"message":{"type":"handshake","body":{}}}', 'version_mismatch'],
    ['no message', '{"version":10}', 'invalid_frame'],
    ['message type not a string', '{"version":10,"message":{"type":1,"body":{}}}', 'invalid_frame'],
  ])('%s', (_name, text, expectedReason) => {
    expect(reason(() => parseFrameBody(text))).toBe(expectedReason);
    expect(reason(() => decodeChildMessage(text))).toBe(expectedReason);
  });

  const body = (type: string, b: unknown) => JSON.stringify({ version: 10, message: { type, body: b } });

  it.each([
    ['unknown type', body('hello', {})],
    ['request in the child direction', body('request', { op: 'health' })],
    ['handshake without worker_version', body('handshake', { protocol_version: 10 })],
    ['response with unknown status', body('response', { status: 'great' })],
    ['error response without code', body('response', { status: 'error', message: 'm' })],
    [
      'stream_export_failed status byte 256',
      body('response', { status: 'stream_export_failed', status_byte: 256 }),
    ],
    ['diagnostic without message', body('diagnostic', { code: 'c' })],
    ['progress with negative current', body('progress_tick', { phase: 'p', current: -1, total: null })],
    ['progress without total', body('progress_tick', { phase: 'p', current: 1 })],
    ['data_row without payload', body('data_row', { stream: 's', sequence: 0 })],
    ['data_row with fractional sequence', body('data_row', { stream: 's', sequence: 0.5, payload: 1 })],
    ['data_row with numeric stream', body('data_row', { stream: 1, sequence: 0, payload: 1 })],
    ['fatal_exit without stderr', body('fatal_exit', { status: 's' })],
  ])('child message: %s is invalid_message', (_name, text) => {
    expect(reason(() => decodeChildMessage(text))).toBe('invalid_message');
  });

  it.each([
    ['unknown type', body('data_row', { stream: 's', sequence: 0, payload: 1 })],
    ['unknown op', body('request', { op: 'elaborate' })],
    [
      'run_data_stream without progress',
      body('request', { op: 'run_data_stream', export: 'e', request_json: '{}' }),
    ],
    [
      'bad import profile',
      body('request', {
        op: 'open_host_session',
        project_root: '/',
        mode: { kind: 'shims_only' },
        imports: [],
        import_profile: 'public',
      }),
    ],
    ['configure above u32', body('configure_frame_limit', { max_frame_bytes: 2 ** 32 })],
  ])('parent message: %s is invalid_message', (_name, text) => {
    expect(reason(() => decodeParentMessage(text))).toBe('invalid_message');
  });

  it('round-trips a request through encode and decode', () => {
    const request = { op: 'json_command', export: 'e', request_json: '{"q":"ℝ"}' } as const;
    expect(decodeParentMessage(encodeRequest(request).toString('utf8', 4))).toEqual({
      type: 'request',
      body: request,
    });
  });
});
