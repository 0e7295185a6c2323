/**
 * Row payload formats compared by `bench/payload.ts`. Every format writes a stream of
 * length-prefixed frames (4-byte big-endian length, then the body), the framing of protocol v10,
 * and decodes it back into rows the consumer can use.
 */
import { Decoder as MsgpackDecoder, Encoder as MsgpackEncoder } from '@msgpack/msgpack';
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { BenchRow } from './rows.js';

export interface EncodeInput {
  readonly rows: readonly BenchRow[];
  /** Each row's payload as JSON text, as a producer that emits JSON already holds it. */
  readonly payloadTexts: readonly string[];
}

export interface PayloadFormat {
  readonly name: string;
  readonly describe: string;
  encode(input: EncodeInput): Buffer;
  /** Decode every frame; returns the rows decoded (for a checksum). */
  decode(frames: Buffer): unknown[];
}

function frameStrings(bodies: readonly string[]): Buffer {
  let total = 0;
  const lengths = new Array<number>(bodies.length);
  for (let i = 0; i < bodies.length; i++) {
    const n = Buffer.byteLength(bodies[i] as string);
    lengths[i] = n;
    total += 4 + n;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < bodies.length; i++) {
    out.writeUInt32BE(lengths[i] as number, at);
    out.write(bodies[i] as string, at + 4, 'utf8');
    at += 4 + (lengths[i] as number);
  }
  return out;
}

function frameBytes(bodies: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const b of bodies) total += 4 + b.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const b of bodies) {
    out.writeUInt32BE(b.length, at);
    out.set(b, at + 4);
    at += 4 + b.length;
  }
  return out;
}

function eachFrame(buf: Buffer, body: (start: number, end: number) => void): void {
  let at = 0;
  while (at + 4 <= buf.length) {
    const n = buf.readUInt32BE(at);
    body(at + 4, at + 4 + n);
    at += 4 + n;
  }
}

const jsonTree: PayloadFormat = {
  name: 'json-tree',
  describe: 'one JSON frame per row, parsed into an object tree',
  encode: ({ rows }) => frameStrings(rows.map((r) => JSON.stringify(r))),
  decode(buf) {
    const out: unknown[] = [];
    eachFrame(buf, (s, e) => out.push(JSON.parse(buf.toString('utf8', s, e))));
    return out;
  },
};

const PAYLOAD_KEY = ',"payload":';

/** Rows whose payload stays JSON text until the consumer asks for it. */
interface RawRow {
  readonly stream: string;
  readonly sequence: number;
  readonly payloadText: string;
}

function rawEncode({ rows, payloadTexts }: EncodeInput): Buffer {
  return frameStrings(
    rows.map(
      (r, i) =>
        `{"stream":${JSON.stringify(r.stream)},"sequence":${r.sequence}${PAYLOAD_KEY}${payloadTexts[i]}}`,
    ),
  );
}

function rawDecode(buf: Buffer): RawRow[] {
  const out: RawRow[] = [];
  eachFrame(buf, (s, e) => {
    const text = buf.toString('utf8', s, e);
    const cut = text.indexOf(PAYLOAD_KEY);
    const head = JSON.parse(`${text.slice(0, cut)}}`) as { stream: string; sequence: number };
    out.push({
      stream: head.stream,
      sequence: head.sequence,
      payloadText: text.slice(cut + PAYLOAD_KEY.length, -1),
    });
  });
  return out;
}

const rawJson: PayloadFormat = {
  name: 'raw-json',
  describe: 'one JSON frame per row, envelope parsed, payload kept as text',
  encode: rawEncode,
  decode: rawDecode,
};

const rawJsonParsed: PayloadFormat = {
  name: 'raw-json+parse',
  describe: 'raw JSON, then every payload parsed on demand',
  encode: rawEncode,
  decode: (buf) => rawDecode(buf).map((r) => ({ ...r, payload: JSON.parse(r.payloadText) })),
};

function batched(size: number): PayloadFormat {
  return {
    name: `batched-${size}`,
    describe: `one JSON array frame per ${size} rows, parsed into objects`,
    encode({ rows }) {
      const bodies: string[] = [];
      for (let i = 0; i < rows.length; i += size) bodies.push(JSON.stringify(rows.slice(i, i + size)));
      return frameStrings(bodies);
    },
    decode(buf) {
      const out: unknown[] = [];
      eachFrame(buf, (s, e) => {
        for (const row of JSON.parse(buf.toString('utf8', s, e)) as unknown[]) out.push(row);
      });
      return out;
    },
  };
}

/** Binary envelope: u32 sequence, u8 stream length, stream UTF-8, then the payload JSON bytes. */
const binaryEnvelope: PayloadFormat = {
  name: 'binary-envelope',
  describe: 'binary header (sequence, stream) + payload JSON bytes, payload parsed',
  encode({ rows, payloadTexts }) {
    const bodies = rows.map((r, i) => {
      const stream = Buffer.from(r.stream, 'utf8');
      const text = payloadTexts[i] as string;
      const body = Buffer.allocUnsafe(5 + stream.length + Buffer.byteLength(text));
      body.writeUInt32BE(r.sequence, 0);
      body.writeUInt8(stream.length, 4);
      stream.copy(body, 5);
      body.write(text, 5 + stream.length, 'utf8');
      return body;
    });
    return frameBytes(bodies);
  },
  decode(buf) {
    const out: unknown[] = [];
    eachFrame(buf, (s, e) => {
      const streamEnd = s + 5 + (buf[s + 4] as number);
      out.push({
        stream: buf.toString('utf8', s + 5, streamEnd),
        sequence: buf.readUInt32BE(s),
        payload: JSON.parse(buf.toString('utf8', streamEnd, e)),
      });
    });
    return out;
  },
};

function msgpack(): PayloadFormat {
  const encoder = new MsgpackEncoder();
  const decoder = new MsgpackDecoder();
  return {
    name: 'msgpack',
    describe: 'MessagePack (@msgpack/msgpack) frame per row',
    encode: ({ rows }) => frameBytes(rows.map((r) => encoder.encode(r))),
    decode(buf) {
      const out: unknown[] = [];
      eachFrame(buf, (s, e) => out.push(decoder.decode(buf.subarray(s, e))));
      return out;
    },
  };
}

function cbor(): PayloadFormat {
  // cborg (pure JS): cbor-x needs platform packages the CI registry does not serve, so `npm ci`
  // could not install it from a lock file.
  return {
    name: 'cbor',
    describe: 'CBOR (cborg, plain maps) frame per row',
    encode: ({ rows }) => frameBytes(rows.map((r) => cborEncode(r))),
    decode(buf) {
      const out: unknown[] = [];
      eachFrame(buf, (s, e) => out.push(cborDecode(buf.subarray(s, e))));
      return out;
    },
  };
}

export function payloadFormats(): PayloadFormat[] {
  return [jsonTree, rawJson, rawJsonParsed, batched(16), batched(64), binaryEnvelope, msgpack(), cbor()];
}
