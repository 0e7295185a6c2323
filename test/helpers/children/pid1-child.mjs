/**
 * A raw protocol child that keeps the real child's PID-1 rule: when its parent is PID 1 it exits
 * with status 0 before the handshake. Otherwise it handshakes and serves, with the codec from the
 * compiled tree:
 *
 *   health, terminate                    as usual
 *   run_data_stream `rows` {count}       `count` rows `{i, pid, ppid}` (this process's own view)
 *   run_data_stream `crash`              one row, then exit 3
 *   run_data_stream `orphan`             starts a grandchild in a session of its own that sleeps
 *                                        for a minute, sends one row `{grandchild}`, then exits 3
 *   run_data_stream `slow`               a row every 20 ms until killed
 *
 * Exits 1 on stdin EOF and by itself after 60 s.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { FrameDecoder } from '../../../dist/src/protocol/codec.js';
import { decodeParentMessage } from '../../../dist/src/protocol/decode.js';
import { encodeDataRowRaw, encodeHandshake, encodeResponse } from '../../../dist/src/protocol/encode.js';

if (process.platform === 'linux' && process.ppid === 1) process.exit(0);

const out = (buf) => fs.writeSync(1, buf);
const row = (i, payload) => out(encodeDataRowRaw('rows', i, JSON.stringify(payload)));
const complete = (rows) =>
  out(
    encodeResponse({
      status: 'stream_complete',
      summary: { total_rows: rows, per_stream_counts: { rows }, elapsed_micros: 1, metadata: null },
    }),
  );

function stream(name, params) {
  if (name === 'rows') {
    for (let i = 0; i < params.count; i++) row(i, { i, pid: process.pid, ppid: process.ppid });
    complete(params.count);
  } else if (name === 'crash') {
    row(0, { i: 0, pid: process.pid, ppid: process.ppid });
    process.exit(3);
  } else if (name === 'orphan') {
    const grandchild = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], {
      detached: true,
      stdio: 'ignore',
    });
    grandchild.unref();
    grandchild.once('spawn', () => {
      row(0, { i: 0, grandchild: grandchild.pid });
      process.exit(3);
    });
  } else if (name === 'slow') {
    let i = 0;
    setInterval(() => row(i, { i: i++ }), 20);
  } else {
    out(encodeResponse({ status: 'error', code: 'fixture.unsupported', message: name }));
  }
}

out(encodeHandshake('0.1.0-pid1'));
const decoder = new FrameDecoder();
process.stdin.on('data', (chunk) => {
  for (const text of decoder.push(chunk)) {
    const message = decodeParentMessage(text);
    if (message.type !== 'request') continue;
    const request = message.body;
    if (request.op === 'health') out(encodeResponse({ status: 'health_ok' }));
    else if (request.op === 'terminate') {
      out(encodeResponse({ status: 'terminating' }));
      process.exit(0);
    } else if (request.op === 'run_data_stream') stream(request.export, JSON.parse(request.request_json));
    else out(encodeResponse({ status: 'error', code: 'fixture.unsupported', message: request.op }));
  }
});
process.stdin.on('end', () => process.exit(1));
setTimeout(() => process.exit(0), 60_000).unref();
