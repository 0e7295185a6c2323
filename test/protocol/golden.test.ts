/**
 * Golden frames: the exact bytes of every message of the generic subset, written out by hand
 * from the Rust serde definitions (lean-rs-worker-protocol `protocol.rs` and `types.rs`):
 * `version` then `message`, `type` before `body`, struct fields in declaration order, `Option`
 * as null, `BTreeMap` keys sorted.
 */
import { describe, expect, it } from 'vitest';
import { decodeChildMessage, decodeParentMessage } from '../../src/protocol/decode.js';
import {
  encodeConfigureFrameLimit,
  encodeDataRowRaw,
  encodeDiagnostic,
  encodeFatalExit,
  encodeHandshake,
  encodeProgressTick,
  encodeRequest,
  encodeResponse,
} from '../../src/protocol/encode.js';
import type { ImportStats, Request, Response } from '../../src/protocol/messages.js';

const V = '{"version":10,"message":';

function frame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

const stats: ImportStats = {
  load_exts: true,
  import_all: false,
  import_level: 'private',
  total_imported_extension_entries: 10,
  extension_count: 9,
  imported_constant_count: 8,
  imported_bytes: 7,
  non_memory_mapped_region_bytes: 6,
  memory_mapped_region_bytes: 5,
  compacted_region_bytes: 4,
  memory_mapped_region_count: 3,
  compacted_region_count: 2,
  effective_module_count: 1,
  direct_import_names: ['Mathlib'],
};
const STATS =
  '{"direct_import_names":["Mathlib"],"effective_module_count":1,"compacted_region_count":2,' +
  '"memory_mapped_region_count":3,"compacted_region_bytes":4,"memory_mapped_region_bytes":5,' +
  '"non_memory_mapped_region_bytes":6,"imported_bytes":7,"imported_constant_count":8,"extension_count":9,' +
  '"total_imported_extension_entries":10,"import_level":"private","import_all":false,"load_exts":true}';

const requests: Array<[string, Request, string]> = [
  ['health', { op: 'health' }, '{"op":"health"}'],
  [
    'open_host_session (capability)',
    {
      import_profile: 'private',
      imports: ['Mathlib', 'Mathlib.Order.Basic'],
      mode: { manifest_path: null, lib_name: 'MyTool', package: 'my_tool', kind: 'capability' },
      project_root: '/p',
      op: 'open_host_session',
    },
    '{"op":"open_host_session","project_root":"/p","mode":{"kind":"capability","package":"my_tool","lib_name":"MyTool","manifest_path":null},"imports":["Mathlib","Mathlib.Order.Basic"],"import_profile":"private"}',
  ],
  [
    'open_host_session (shims_only)',
    {
      op: 'open_host_session',
      project_root: '/p',
      mode: { kind: 'shims_only' },
      imports: [],
      import_profile: 'full-private-compat',
    },
    '{"op":"open_host_session","project_root":"/p","mode":{"kind":"shims_only"},"imports":[],"import_profile":"full-private-compat"}',
  ],
  [
    'run_data_stream',
    { progress: true, request_json: '{"x":1}', export: 'my_export', op: 'run_data_stream' },
    '{"op":"run_data_stream","export":"my_export","request_json":"{\\"x\\":1}","progress":true}',
  ],
  [
    'json_command',
    { request_json: '{}', export: 'v', op: 'json_command' },
    '{"op":"json_command","export":"v","request_json":"{}"}',
  ],
  [
    'capability_metadata',
    { request_json: '{}', export: 'm', op: 'capability_metadata' },
    '{"op":"capability_metadata","export":"m","request_json":"{}"}',
  ],
  [
    'capability_doctor',
    { request_json: '{}', export: 'd', op: 'capability_doctor' },
    '{"op":"capability_doctor","export":"d","request_json":"{}"}',
  ],
  ['terminate', { op: 'terminate' }, '{"op":"terminate"}'],
];

const responses: Array<[string, Response, string]> = [
  ['health_ok', { status: 'health_ok' }, '{"status":"health_ok"}'],
  [
    'host_session_opened',
    { import_stats: stats, status: 'host_session_opened' },
    `{"status":"host_session_opened","import_stats":${STATS}}`,
  ],
  [
    'host_session_reused',
    { import_stats: stats, status: 'host_session_reused' },
    `{"status":"host_session_reused","import_stats":${STATS}}`,
  ],
  [
    'stream_complete',
    {
      status: 'stream_complete',
      summary: {
        metadata: { ok: true },
        elapsed_micros: 1234,
        per_stream_counts: { rows: 2, features: 1, a: 0 },
        total_rows: 3,
      },
    },
    '{"status":"stream_complete","summary":{"total_rows":3,"per_stream_counts":{"a":0,"features":1,"rows":2},"elapsed_micros":1234,"metadata":{"ok":true}}}',
  ],
  [
    'stream_complete (no metadata)',
    {
      status: 'stream_complete',
      summary: { total_rows: 0, per_stream_counts: {}, elapsed_micros: 0, metadata: null },
    },
    '{"status":"stream_complete","summary":{"total_rows":0,"per_stream_counts":{},"elapsed_micros":0,"metadata":null}}',
  ],
  [
    'stream_export_failed',
    { status_byte: 7, status: 'stream_export_failed' },
    '{"status":"stream_export_failed","status_byte":7}',
  ],
  [
    'stream_callback_failed',
    { description: 'd', status_byte: 3, status: 'stream_callback_failed' },
    '{"status":"stream_callback_failed","status_byte":3,"description":"d"}',
  ],
  [
    'stream_row_malformed',
    { message: 'm', status: 'stream_row_malformed' },
    '{"status":"stream_row_malformed","message":"m"}',
  ],
  [
    'capability_metadata',
    {
      status: 'capability_metadata',
      metadata: {
        extra: { fixture: 'f' },
        lean_version: null,
        capabilities: [{ version: '1', name: 'rows.json.raw' }],
        commands: [{ version: 'shape-1', name: 'version' }],
      },
    },
    '{"status":"capability_metadata","metadata":{"commands":[{"name":"version","version":"shape-1"}],"capabilities":[{"name":"rows.json.raw","version":"1"}],"lean_version":null,"extra":{"fixture":"f"}}}',
  ],
  [
    'capability_doctor',
    {
      status: 'capability_doctor',
      report: {
        metadata: null,
        diagnostics: [{ details: null, message: 'ok', code: 'shape.lake', severity: 'pass' }],
      },
    },
    '{"status":"capability_doctor","report":{"diagnostics":[{"severity":"pass","code":"shape.lake","message":"ok","details":null}],"metadata":null}}',
  ],
  [
    'capability_metadata_malformed',
    { message: 'm', status: 'capability_metadata_malformed' },
    '{"status":"capability_metadata_malformed","message":"m"}',
  ],
  [
    'capability_doctor_malformed',
    { message: 'm', status: 'capability_doctor_malformed' },
    '{"status":"capability_doctor_malformed","message":"m"}',
  ],
  [
    'json_command',
    { response_json: '{"a":1}', status: 'json_command' },
    '{"status":"json_command","response_json":"{\\"a\\":1}"}',
  ],
  ['rows_complete', { count: 5, status: 'rows_complete' }, '{"status":"rows_complete","count":5}'],
  ['terminating', { status: 'terminating' }, '{"status":"terminating"}'],
  [
    'error',
    { message: 'no session', code: 'lean_rs.worker.session_missing', status: 'error' },
    '{"status":"error","code":"lean_rs.worker.session_missing","message":"no session"}',
  ],
];

describe('golden frames, parent to child', () => {
  it('configure_frame_limit', () => {
    const golden = `${V}{"type":"configure_frame_limit","body":{"max_frame_bytes":1048576}}}`;
    expect(encodeConfigureFrameLimit(1_048_576)).toEqual(frame(golden));
    expect(decodeParentMessage(golden)).toEqual({
      type: 'configure_frame_limit',
      body: { max_frame_bytes: 1_048_576 },
    });
  });

  it.each(requests)('request %s', (_name, request, body) => {
    const golden = `${V}{"type":"request","body":${body}}}`;
    expect(encodeRequest(request).toString('utf8', 4)).toBe(golden);
    expect(encodeRequest(request)).toEqual(frame(golden));
    const decoded = decodeParentMessage(golden);
    expect(decoded).toEqual({ type: 'request', body: request });
  });
});

describe('golden frames, child to parent', () => {
  it('handshake', () => {
    const golden = `${V}{"type":"handshake","body":{"worker_version":"0.7.3","protocol_version":10}}}`;
    expect(encodeHandshake('0.7.3')).toEqual(frame(golden));
    expect(decodeChildMessage(golden)).toEqual({
      type: 'handshake',
      body: { worker_version: '0.7.3', protocol_version: 10 },
    });
  });

  it.each(responses)('response %s', (_name, response, body) => {
    const golden = `${V}{"type":"response","body":${body}}}`;
    expect(encodeResponse(response).toString('utf8', 4)).toBe(golden);
    expect(encodeResponse(response)).toEqual(frame(golden));
    expect(encodeResponse((decodeChildMessage(golden) as { body: Response }).body)).toEqual(frame(golden));
  });

  it('data_row keeps its raw payload and multi-byte text', () => {
    const payload = '{"type":"∀ n : ℕ, n ≤ n → ⊢ ℝ","z":1,"a":[1.5,null]}';
    const golden = `${V}{"type":"data_row","body":{"stream":"rows","sequence":41,"payload":${payload}}}}`;
    const encoded = encodeDataRowRaw('rows', 41, payload);
    expect(encoded).toEqual(frame(golden));
    expect(encoded.readUInt32BE(0)).toBe(Buffer.byteLength(golden, 'utf8'));
    expect(encoded.readUInt32BE(0)).toBeGreaterThan(golden.length);
    expect(decodeChildMessage(golden)).toEqual({
      type: 'data_row',
      body: { stream: 'rows', sequence: 41, payload: JSON.parse(payload) },
      payloadText: payload,
    });
  });

  it('data_row written otherwise decodes the same, without a forwardable payload text', () => {
    const body = { stream: 'rows', sequence: 41, payload: { z: 1 } };
    const variants = [
      // envelope keys in another order
      `{"message":{"type":"data_row","body":${JSON.stringify(body)}},"version":10}`,
      // whitespace in the envelope
      `{"version": 10, "message": {"type": "data_row", "body": ${JSON.stringify(body)}}}`,
      // a fourth key in the body: the decoded row drops it, so the text cannot be forwarded
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":41,"payload":{"z":1},"kind":"x"}}}`,
      // a body that is not one JSON value followed by the closing braces
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":41,"payload":{"z":1}},"extra":1}}`,
      // body keys in another order
      `${V}{"type":"data_row","body":{"sequence":41,"stream":"rows","payload":{"z":1}}}}`,
      // an escape in the stream name
      `${V}{"type":"data_row","body":{"stream":"r\\u006fws","sequence":41,"payload":{"z":1}}}}`,
      // the sequence written as a float or with an exponent
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":41.0,"payload":{"z":1}}}}`,
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":4.1e1,"payload":{"z":1}}}}`,
    ];
    for (const text of variants) {
      const decoded = decodeChildMessage(text);
      expect(decoded, text).toEqual({ type: 'data_row', body });
      expect('payloadText' in decoded).toBe(false);
    }
  });

  it('data_row with a bad body fails the same way on the canonical path', () => {
    const bad = `${V}{"type":"data_row","body":{"stream":"rows","sequence":-1,"payload":1}}}`;
    expect(() => decodeChildMessage(bad)).toThrow(expect.objectContaining({ reason: 'invalid_message' }));
    const broken = `${V}{"type":"data_row","body":{"stream":"rows",}}}`;
    expect(() => decodeChildMessage(broken)).toThrow(expect.objectContaining({ reason: 'invalid_json' }));
    const rejected = [
      // a leading zero, a control character in the stream name, a payload that is not one value
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":041,"payload":1}}}`,
      `${V}{"type":"data_row","body":{"stream":"r\u0001ws","sequence":1,"payload":1}}}`,
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":1,"payload":1 2}}}`,
      `${V}{"type":"data_row","body":{"stream":"rows","sequence":1,"payload":}}}`,
    ];
    for (const text of rejected) {
      expect(() => decodeChildMessage(text), text).toThrow(
        expect.objectContaining({ reason: 'invalid_json' }),
      );
    }
    const huge = `${V}{"type":"data_row","body":{"stream":"rows","sequence":9007199254740993,"payload":1}}}`;
    expect(() => decodeChildMessage(huge)).toThrow(expect.objectContaining({ reason: 'invalid_message' }));
  });

  it('diagnostic', () => {
    const golden = `${V}{"type":"diagnostic","body":{"code":"x.started","message":"started"}}}`;
    expect(encodeDiagnostic('x.started', 'started')).toEqual(frame(golden));
    expect(decodeChildMessage(golden)).toEqual({
      type: 'diagnostic',
      body: { code: 'x.started', message: 'started' },
    });
  });

  it('progress_tick with and without a total', () => {
    const open = `${V}{"type":"progress_tick","body":{"phase":"data_stream","current":1,"total":null}}}`;
    const closed = `${V}{"type":"progress_tick","body":{"phase":"scale.index","current":2,"total":4}}}`;
    expect(encodeProgressTick('data_stream', 1, null)).toEqual(frame(open));
    expect(encodeProgressTick('scale.index', 2, 4)).toEqual(frame(closed));
    expect(decodeChildMessage(closed)).toEqual({
      type: 'progress_tick',
      body: { phase: 'scale.index', current: 2, total: 4 },
    });
  });

  it('fatal_exit', () => {
    const golden = `${V}{"type":"fatal_exit","body":{"status":"signal: 6","stderr":"boom"}}}`;
    expect(encodeFatalExit('signal: 6', 'boom')).toEqual(frame(golden));
    expect(decodeChildMessage(golden)).toEqual({
      type: 'fatal_exit',
      body: { status: 'signal: 6', stderr: 'boom' },
    });
  });
});
