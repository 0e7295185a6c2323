/**
 * Interop with a child that writes frames exactly as the Rust child does (a hand-written Python
 * child), and a check that the kit's own frames are byte-identical to what our encoders write.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeChildMessage } from '../../src/protocol/decode.js';
import {
  encodeConfigureFrameLimit,
  encodeDataRowRaw,
  encodeDiagnostic,
  encodeHandshake,
  encodeProgressTick,
  encodeResponse,
  frameJson,
} from '../../src/protocol/encode.js';
import type { ChildMessage } from '../../src/protocol/messages.js';
import { ChildHarness, call, open, readyTestChild, sourceFixture, stream } from './harness.js';

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Re-encode a decoded message with our encoders; equal bytes mean our key order is serde's. */
function reencode(message: ChildMessage): string {
  switch (message.type) {
    case 'handshake':
      return encodeHandshake(message.body.worker_version, message.body.protocol_version)
        .subarray(4)
        .toString();
    case 'response':
      return encodeResponse(message.body).subarray(4).toString();
    case 'diagnostic':
      return encodeDiagnostic(message.body.code, message.body.message).subarray(4).toString();
    case 'progress_tick':
      return encodeProgressTick(message.body.phase, message.body.current, message.body.total)
        .subarray(4)
        .toString();
    case 'data_row':
      return encodeDataRowRaw(
        message.body.stream,
        message.body.sequence,
        JSON.stringify(message.body.payload),
      )
        .subarray(4)
        .toString();
    case 'fatal_exit':
      return frameJson('fatal_exit', message.body);
  }
}

/** Read the next frame, decode it, and check our encoder writes the same bytes. */
async function nextExact(child: ChildHarness): Promise<ChildMessage> {
  const frame = await child.nextFrame();
  const message = decodeChildMessage(frame.text);
  expect(reencode(message)).toBe(frame.text);
  return message;
}

async function collectExact(child: ChildHarness) {
  const events: ChildMessage[] = [];
  while (true) {
    const message = await nextExact(child);
    if (message.type === 'response') return { events, response: message.body };
    events.push(message);
  }
}

describe.runIf(hasPython())('Rust-shaped child (python3)', () => {
  const start = (env: NodeJS.ProcessEnv = {}) =>
    new ChildHarness('python3', [sourceFixture('rust-shaped-child.py')], env);

  it('speaks handshake, health, sessions, stream, json and terminate byte-for-byte', async () => {
    const child = start({ LEAN_RS_WORKER_SESSION_POOL_CAPACITY: '2' });
    expect(await nextExact(child)).toEqual({
      type: 'handshake',
      body: { worker_version: '0.7.3', protocol_version: 10 },
    });
    child.send(encodeConfigureFrameLimit(1 << 20));
    child.request({ op: 'health' });
    expect(await collectExact(child)).toEqual({ events: [], response: { status: 'health_ok' } });

    child.request(stream('rows', { count: 1 }));
    expect((await collectExact(child)).response).toMatchObject({ code: 'lean_rs.worker.session_missing' });

    const statuses: string[] = [];
    for (const imports of [['A'], ['A'], ['B'], ['A'], ['C'], ['B']]) {
      child.request(open(imports));
      statuses.push((await collectExact(child)).response.status);
    }
    expect(statuses).toEqual([
      'host_session_opened',
      'host_session_reused',
      'host_session_opened',
      'host_session_reused',
      'host_session_opened',
      'host_session_opened',
    ]);

    child.request(stream('rows', { count: 3 }, true));
    const { events, response } = await collectExact(child);
    expect(events.map((e) => e.type)).toEqual([
      'progress_tick',
      'diagnostic',
      'data_row',
      'progress_tick',
      'data_row',
      'progress_tick',
      'data_row',
      'progress_tick',
      'progress_tick',
    ]);
    expect(response).toMatchObject({
      status: 'stream_complete',
      summary: { total_rows: 3, per_stream_counts: { rows: 3 }, metadata: { ok: true, rows: 3 } },
    });

    child.request(call('json_command', 'echo', { q: '∀ x, x = x' }));
    expect((await collectExact(child)).response).toEqual({
      status: 'json_command',
      response_json: JSON.stringify({ q: '∀ x, x = x' }),
    });
    child.request(stream('missing'));
    expect((await collectExact(child)).response).toMatchObject({ code: 'lean_rs.worker.checked_binding' });

    child.request({ op: 'terminate' });
    expect((await collectExact(child)).response).toEqual({ status: 'terminating' });
    expect((await child.exited).code).toBe(0);
  });

  it('exits non-zero on stdin EOF', async () => {
    const child = start();
    await child.handshake();
    child.proc.stdin?.end();
    expect((await child.exited).code).toBe(1);
    expect(child.stderr).toMatch(/\S/);
  });
});

describe('kit frames match the encoders byte for byte', () => {
  it('for rows, diagnostics, progress, metadata summaries and string exports', async () => {
    const child = await readyTestChild();
    for (const request of [
      stream('rows', { count: 3 }, true),
      stream('chunked', { items: 4, chunkSize: 3 }),
      call('capability_metadata', 'metadata'),
      call('capability_doctor', 'doctor'),
      call('json_command', 'echo', { x: 1 }),
      open(['A']),
      open(['A']),
    ]) {
      child.request(request);
      await collectExact(child);
    }
  });
});
