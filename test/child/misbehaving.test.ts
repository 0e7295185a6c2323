/** The raw misbehaving children do exactly what they claim, as seen by a parent on the wire. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { FrameError } from '../../src/protocol/codec.js';
import { decodeChildMessage } from '../../src/protocol/decode.js';
import { encodeConfigureFrameLimit, encodeRequest } from '../../src/protocol/encode.js';
import { startFixture, stream } from './harness.js';

const misbehaving = (mode: string, ...args: string[]) => startFixture('misbehaving', [mode, ...args]);

function reasonOf(error: unknown): string | undefined {
  return error instanceof FrameError ? error.reason : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('misbehaving children', () => {
  it('exit-during-handshake: output ends inside the first frame, exit code 2', async () => {
    const child = misbehaving('exit-during-handshake');
    expect(reasonOf(await child.outputEnd())).toBe('truncated');
    expect((await child.exited).code).toBe(2);
  });

  it('never-handshake: no bytes at all while it stays alive', async () => {
    const child = misbehaving('never-handshake');
    await expect(child.nextFrame(300)).rejects.toThrow(/timed out/);
    expect(child.stdoutBytes).toBe(0);
    expect(child.proc.exitCode).toBeNull();
  });

  it('garbage: the first frame is not JSON', async () => {
    const child = misbehaving('garbage');
    const frame = await child.nextFrame();
    expect(() => decodeChildMessage(frame.text)).toThrow(FrameError);
    try {
      decodeChildMessage(frame.text);
    } catch (error) {
      expect(reasonOf(error)).toBe('invalid_json');
    }
  });

  it('oversize-header: the declared length is refused before any body arrives', async () => {
    const child = misbehaving('oversize-header');
    await expect(child.nextFrame()).rejects.toSatisfy((e) => reasonOf(e) === 'frame_too_large');
  });

  it('wrong-frame-version: version_mismatch', async () => {
    const child = misbehaving('wrong-frame-version');
    await expect(child.next()).rejects.toSatisfy((e) => reasonOf(e) === 'version_mismatch');
  });

  it('wrong-protocol-version: a valid frame whose handshake announces protocol 9', async () => {
    const child = misbehaving('wrong-protocol-version');
    expect(await child.next()).toMatchObject({ type: 'handshake', body: { protocol_version: 9 } });
  });

  it('duplicate-terminal: two responses for one request', async () => {
    const child = misbehaving('duplicate-terminal');
    await child.handshake();
    child.request({ op: 'health' });
    expect(await child.next()).toEqual({ type: 'response', body: { status: 'health_ok' } });
    expect(await child.next()).toEqual({ type: 'response', body: { status: 'health_ok' } });
  });

  it('unsolicited-response: a response arrives before any request', async () => {
    const child = misbehaving('unsolicited-response');
    await child.handshake();
    expect(await child.next()).toEqual({ type: 'response', body: { status: 'health_ok' } });
  });

  it('row-after-terminal: a data_row follows stream_complete', async () => {
    const child = misbehaving('row-after-terminal');
    await child.handshake();
    child.request(stream('anything'));
    expect((await child.next()).type).toBe('data_row');
    expect(await child.next()).toMatchObject({ type: 'response', body: { status: 'stream_complete' } });
    expect(await child.next()).toMatchObject({ type: 'data_row', body: { sequence: 1 } });
  });

  it('ignore-terminate: survives terminate, stdin EOF and SIGTERM; only SIGKILL ends it', async () => {
    const child = misbehaving('ignore-terminate');
    await child.handshake();
    expect((await child.call({ op: 'health' })).response.status).toBe('health_ok');
    child.request({ op: 'terminate' });
    child.proc.stdin?.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    child.proc.kill('SIGTERM');
    await expect(child.nextFrame(300)).rejects.toThrow(/timed out/);
    expect(child.proc.exitCode).toBeNull();
    child.proc.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');
  });

  it('grandchild: stdout stays open after the child exits, until the grandchild dies', async () => {
    const child = misbehaving('grandchild');
    await child.handshake();
    // stderr and stdout are separate pipes: the line may arrive after the handshake.
    for (let i = 0; i < 100 && !/grandchild \d+/.test(child.stderr); i++)
      await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(/grandchild (\d+)/.exec(child.stderr)?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    onTestFinished(() => {
      if (alive(grandchild)) process.kill(grandchild, 'SIGKILL');
    });
    expect((await child.call({ op: 'terminate' })).response.status).toBe('terminating');
    expect((await child.exited).code).toBe(0);
    await expect(child.nextFrame(300)).rejects.toThrow(/timed out/);
    expect(alive(grandchild)).toBe(true);
    process.kill(grandchild, 'SIGKILL');
    await expect(child.nextFrame()).rejects.toThrow(/ended/);
  });

  it('stderr-flood: handshakes after MiBs of stderr when the parent drains it', async () => {
    const child = misbehaving('stderr-flood', '4');
    expect((await child.handshake()).type).toBe('handshake');
    expect(child.stderrBytes).toBeGreaterThanOrEqual(4 << 20);
    expect((await child.call({ op: 'health' })).response.status).toBe('health_ok');
  });

  it('an unknown mode exits 64 with a stderr line', async () => {
    const child = misbehaving('no-such-mode');
    expect((await child.exited).code).toBe(64);
    expect(child.stderr).toMatch(/\S/);
  });

  it('well-behaved paths of the raw server: unsupported op and stdin EOF', async () => {
    const child = misbehaving('unsolicited-response');
    await child.next();
    child.send(encodeConfigureFrameLimit(1 << 20));
    await child.next();
    child.send(encodeRequest({ op: 'json_command', export: 'x', request_json: '{}' }));
    expect(await child.next()).toMatchObject({ body: { status: 'error', code: 'fixture.unsupported' } });
    child.proc.stdin?.end();
    expect((await child.exited).code).toBe(1);
  });
});
