/**
 * A raw protocol child that breaks the protocol in the middle of a stream, written with the codec
 * from the compiled tree. Handshakes normally, answers `health` and `terminate`, and answers every
 * `run_data_stream` with one row followed by the breakage selected by the first argument, the row
 * and the breakage in one write so that the parent reads them in one chunk:
 *
 *   garbage-mid-stream    a frame whose body is not JSON
 *   oversize-mid-stream   a frame header declaring 0x7fffffff bytes
 *   stale-terminal        a complete stream, then (after 100 ms, with no request in flight) a row
 *   idle-response         (no stream breakage) 100 ms after the handshake, a `health_ok` nobody asked for
 *   glued-response        (no stream breakage) a `health_ok` in the same write as the handshake
 *   duplicate-terminal    (no stream breakage) answers every json_command twice
 *   row-after-terminal    a complete stream and another row, all in one write
 *
 * and answers `health` as the mode says (the parent asks once as it starts):
 *
 *   health-error          an error response
 *   health-row            a data row instead of a response
 *   health-silent         nothing
 *   health-exit-0         exits with status 0
 *   health-exit-5         exits with status 5
 *
 * json_command `seen` answers with the type (and request op) of every message read so far.
 *
 * Exits 1 on stdin EOF and by itself after 60 s.
 */
import fs from 'node:fs';
import { FrameDecoder } from '../../../dist/src/protocol/codec.js';
import { decodeParentMessage } from '../../../dist/src/protocol/decode.js';
import { encodeDataRowRaw, encodeHandshake, encodeResponse } from '../../../dist/src/protocol/encode.js';

const mode = process.argv[2] ?? '';
const out = (buf) => fs.writeSync(1, buf);

const complete = {
  status: 'stream_complete',
  summary: { total_rows: 1, per_stream_counts: { rows: 1 }, elapsed_micros: 1, metadata: null },
};

function stream() {
  const first = encodeDataRowRaw('rows', 0, '{"i":0}');
  if (mode === 'garbage-mid-stream') {
    const body = Buffer.from('}{ not json at all');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length, 0);
    out(Buffer.concat([first, header, body]));
  } else if (mode === 'oversize-mid-stream') {
    out(Buffer.concat([first, Buffer.from([0x7f, 0xff, 0xff, 0xff])]));
  } else if (mode === 'row-after-terminal') {
    out(Buffer.concat([first, encodeResponse(complete), encodeDataRowRaw('rows', 1, '{"i":1}')]));
  } else {
    out(Buffer.concat([first, encodeResponse(complete)]));
    if (mode === 'stale-terminal') setTimeout(() => out(encodeDataRowRaw('rows', 1, '{"late":true}')), 100);
  }
}

if (mode === 'glued-response')
  out(Buffer.concat([encodeHandshake('0.1.0-raw'), encodeResponse({ status: 'health_ok' })]));
else out(encodeHandshake('0.1.0-raw'));
if (mode === 'idle-response') setTimeout(() => out(encodeResponse({ status: 'health_ok' })), 100);
function health() {
  if (mode === 'health-error')
    out(encodeResponse({ status: 'error', code: 'fixture.unwell', message: 'unwell' }));
  else if (mode === 'health-row') out(encodeDataRowRaw('rows', 0, '{"i":0}'));
  else if (mode === 'health-exit-0') process.exit(0);
  else if (mode === 'health-exit-5') process.exit(5);
  else if (mode !== 'health-silent') out(encodeResponse({ status: 'health_ok' }));
}

const seen = [];
const decoder = new FrameDecoder();
process.stdin.on('data', (chunk) => {
  for (const text of decoder.push(chunk)) {
    const message = decodeParentMessage(text);
    seen.push(message.type === 'request' ? `request:${message.body.op}` : message.type);
    if (message.type !== 'request') continue;
    const op = message.body.op;
    if (op === 'health') health();
    else if (op === 'json_command' && message.body.export === 'seen')
      out(encodeResponse({ status: 'json_command', response_json: JSON.stringify(seen) }));
    else if (op === 'json_command' && mode === 'duplicate-terminal') {
      const answer = encodeResponse({ status: 'json_command', response_json: message.body.request_json });
      out(Buffer.concat([answer, answer]));
    } else if (op === 'terminate') {
      out(encodeResponse({ status: 'terminating' }));
      process.exit(0);
    } else if (op === 'run_data_stream') stream();
    else out(encodeResponse({ status: 'error', code: 'fixture.unsupported', message: op }));
  }
});
process.stdin.on('end', () => process.exit(1));
setTimeout(() => process.exit(0), 60_000).unref();
