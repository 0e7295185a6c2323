/** The kit's connection lifecycle: handshake, frame limit, serial requests, exits. */
import { describe, expect, it } from 'vitest';
import { encodeFrameText } from '../../src/protocol/codec.js';
import { encodeConfigureFrameLimit, encodeRequest, frameJson } from '../../src/protocol/encode.js';
import { readyTestChild, startFixture, stream } from './harness.js';

describe('child kit lifecycle', () => {
  it('writes the handshake first, then answers health after configure_frame_limit', async () => {
    const child = startFixture('test-child');
    const handshake = await child.handshake();
    expect(handshake).toEqual({
      type: 'handshake',
      body: { worker_version: '0.1.0-fixture', protocol_version: 10 },
    });
    expect(await child.call({ op: 'health' })).toEqual({ events: [], response: { status: 'health_ok' } });
  });

  it('answers requests strictly in order, one terminal response each', async () => {
    const child = await readyTestChild();
    child.request({ op: 'health' });
    child.request(stream('rows', { count: 2 }));
    child.request({ op: 'health' });
    expect((await child.collect()).response.status).toBe('health_ok');
    const second = await child.collect();
    expect(second.response.status).toBe('stream_complete');
    expect(second.events.filter((e) => e.type === 'data_row')).toHaveLength(2);
    expect((await child.collect()).response.status).toBe('health_ok');
  });

  it('terminate answers terminating and exits 0', async () => {
    const child = await readyTestChild();
    expect((await child.call({ op: 'terminate' })).response).toEqual({ status: 'terminating' });
    expect(await child.exited).toEqual({ code: 0, signal: null });
  });

  it('exits non-zero with one stderr line on stdin EOF', async () => {
    const child = await readyTestChild();
    await child.call({ op: 'health' });
    child.proc.stdin?.end();
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    expect(child.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits non-zero when stdin closes before configure_frame_limit', async () => {
    const child = startFixture('test-child');
    await child.next();
    child.proc.stdin?.end();
    expect((await child.exited).code).toBe(1);
    expect(child.stderr).toMatch(/\S/);
  });

  it('exits non-zero when the first parent frame is not configure_frame_limit', async () => {
    const child = startFixture('test-child');
    await child.next();
    child.send(encodeRequest({ op: 'health' }));
    expect((await child.exited).code).toBe(1);
    expect(child.stderr.trim().split('\n')).toHaveLength(1);
    expect(child.buffered).toBe(0);
  });

  it('answers a non-request frame mid-session with unexpected_frame and keeps serving', async () => {
    const child = await readyTestChild();
    child.send(encodeConfigureFrameLimit(65_536));
    const { response } = await child.collect();
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.worker.protocol.unexpected_frame' });
    expect((await child.call({ op: 'health' })).response.status).toBe('health_ok');
  });

  it('answers an op outside the generic subset with unknown_request and keeps serving', async () => {
    const child = await readyTestChild();
    child.send(encodeFrameText(frameJson('request', { op: 'elaborate', source: 'x', options: {} })));
    const { response } = await child.collect();
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.worker.protocol.unknown_request' });
    expect((await child.call({ op: 'health' })).response.status).toBe('health_ok');
  });

  it('exits non-zero on a frame with the wrong protocol version', async () => {
    const child = await readyTestChild();
    child.send(
      encodeFrameText(JSON.stringify({ version: 9, message: { type: 'request', body: { op: 'health' } } })),
    );
    expect((await child.exited).code).toBe(1);
    expect(child.stderr).toContain('version_mismatch');
  });

  it('applies the configured frame cap to incoming frames before reading their body', async () => {
    const child = startFixture('test-child');
    await child.handshake(65_536);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(65_537, 0);
    child.send(header);
    expect((await child.exited).code).toBe(1);
    expect(child.stderr).toContain('frame_too_large');
  });

  it('applies the configured frame cap to outgoing responses', async () => {
    const child = startFixture('test-child');
    await child.handshake(65_536);
    const { response } = await child.call({
      op: 'json_command',
      export: 'big_json',
      request_json: JSON.stringify({ bytes: 70_000 }),
    });
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.worker.output_frame_too_large' });
  });

  it('exits 1 with a stderr line when stdout is closed under it (EPIPE)', async () => {
    const child = await readyTestChild();
    await child.call({ op: 'health' });
    child.proc.stdout?.destroy();
    child.request(stream('rows', { count: 100_000 }));
    const exit = await child.exited;
    expect(exit.code).toBe(1);
    expect(child.stderr.trim().split('\n')).toHaveLength(1);
  });
});
