/**
 * A raw protocol child for hostile-input tests, written with the codec from the compiled tree.
 * It handshakes, answers `health`, and picks its behaviour per request by export name:
 *
 *   run_data_stream  rows {payloads, metadata?}  one row per payload (any JSON value), then
 *                                          success with `metadata` (default null)
 *                    deep_rows {depths}    one row per depth: arrays nested that deep (0: {"i":0})
 *                    bad_utf8 {}           a row whose payload string holds the bytes FF FE
 *                    slow {rows, msPerRow} a row {"i": n} every msPerRow ms, then success
 *                    hang {}               never answers
 *   json_command     echo                  {"echo": <request>}
 *                    deep {depth}          arrays nested `depth` deep as the response
 *
 * Flags: `--start-delay-ms=N` handshakes only after N ms (a slow start); `--exit-delay-ms=N` answers `terminate` but exits only N ms later, and ignores SIGTERM
 * meanwhile, and stdin EOF too (a child slow to exit); `--alloc-mib=N` holds N MiB of touched
 * memory (private memory the pool measures); `--key=K` only makes a distinct session key. With
 * HOSTILE_PIDS_DIR set, the child creates the file `<dir>/<pid>` at start, so a test can list the
 * children that ran. Exits 1 on stdin EOF and by itself after 60 s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FrameDecoder } from '../../../dist/src/protocol/codec.js';
import { decodeParentMessage } from '../../../dist/src/protocol/decode.js';
import { encodeDataRowRaw, encodeHandshake, encodeResponse } from '../../../dist/src/protocol/encode.js';

const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const exitDelayMs = Number(flag('exit-delay-ms') ?? 0);
const startDelayMs = Number(flag('start-delay-ms') ?? 0);
// Held for the life of the process (module scope).
export const held = Buffer.alloc(Number(flag('alloc-mib') ?? 0) * 1024 * 1024, 0x5a);
const out = (buf) => fs.writeSync(1, buf);
const nested = (depth) => (depth === 0 ? '{"i":0}' : `${'['.repeat(depth)}${']'.repeat(depth)}`);
const complete = (rows, metadata = null) => ({
  status: 'stream_complete',
  summary: { total_rows: rows, per_stream_counts: { rows }, elapsed_micros: 1, metadata },
});

if (process.env.HOSTILE_PIDS_DIR)
  fs.writeFileSync(path.join(process.env.HOSTILE_PIDS_DIR, String(process.pid)), '');
setTimeout(() => process.exit(0), 60_000).unref();
if (exitDelayMs > 0) process.on('SIGTERM', () => {});

function stream(name, params) {
  if (name === 'rows') {
    const payloads = params.payloads ?? [];
    for (const [i, p] of payloads.entries()) out(encodeDataRowRaw('rows', i, JSON.stringify(p)));
    out(encodeResponse(complete(payloads.length, params.metadata ?? null)));
  } else if (name === 'deep_rows') {
    const depths = params.depths ?? [];
    for (const [i, d] of depths.entries()) out(encodeDataRowRaw('rows', i, nested(d), 1 << 24));
    out(encodeResponse(complete(depths.length)));
  } else if (name === 'bad_utf8') {
    const row = encodeDataRowRaw('rows', 0, '"ab__cd"');
    const at = row.indexOf('__');
    row[at] = 0xff;
    row[at + 1] = 0xfe;
    out(row);
    out(encodeResponse(complete(1)));
  } else if (name === 'slow') {
    const total = params.rows ?? 10;
    let i = 0;
    const next = () => {
      if (i === total) return out(encodeResponse(complete(total)));
      out(encodeDataRowRaw('rows', i, `{"i":${i}}`));
      i += 1;
      setTimeout(next, params.msPerRow ?? 5);
    };
    next();
  } else if (name !== 'hang') {
    out(encodeResponse({ status: 'error', code: 'fixture.unknown_export', message: name }));
  }
}

function json(name, requestJson) {
  if (name === 'echo') {
    out(encodeResponse({ status: 'json_command', response_json: `{"echo":${requestJson}}` }));
  } else if (name === 'deep') {
    const text = nested(JSON.parse(requestJson).depth);
    out(encodeResponse({ status: 'json_command', response_json: text }, 1 << 24));
  } else {
    out(encodeResponse({ status: 'error', code: 'fixture.unknown_export', message: name }));
  }
}

setTimeout(() => out(encodeHandshake('0.1.0-hostile')), startDelayMs);
const decoder = new FrameDecoder();
process.stdin.on('end', () => setTimeout(() => process.exit(1), exitDelayMs));
process.stdin.on('data', (chunk) => {
  for (const text of decoder.push(chunk)) {
    const message = decodeParentMessage(text);
    if (message.type !== 'request') continue;
    const request = message.body;
    if (request.op === 'health') out(encodeResponse({ status: 'health_ok' }));
    else if (request.op === 'terminate') {
      out(encodeResponse({ status: 'terminating' }));
      setTimeout(() => process.exit(0), exitDelayMs);
    } else if (request.op === 'run_data_stream') stream(request.export, JSON.parse(request.request_json));
    else if (request.op === 'json_command') json(request.export, request.request_json);
    else out(encodeResponse({ status: 'error', code: 'fixture.unsupported', message: request.op }));
  }
});
