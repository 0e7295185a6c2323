import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { pidGone } from '../helpers/proc.js';
import { helperChild, startFailure, startSupervisor, succeeded } from '../helpers/supervisor.js';

describe('spawn and handshake', () => {
  it('starts generation 0 after the handshake and answers health', async () => {
    const sup = await startSupervisor('test-child');
    expect(sup.generation).toBe(0);
    expect(sup.handle.info?.workerVersion).toBe('0.1.0-fixture');
    expect(sup.handle.info?.protocolVersion).toBe(10);
    const started = sup.eventsOf('generation_started');
    expect(started.map((e) => [e.info.generation, e.reason])).toEqual([[0, 'initial']]);
    const outcome = succeeded(await sup.call({ op: 'health' }));
    expect(outcome.response.status).toBe('health_ok');
    expect(outcome.generation).toBe(0);
  });

  it('fails with a startup TIMEOUT when the child never handshakes, and reaps it', async () => {
    const { error } = await startFailure('misbehaving', ['never-handshake'], {
      launch: { startupTimeoutMs: 300 },
    });
    expect(error.code).toBe(ErrorCode.TIMEOUT);
    expect(error.facts.operation).toBe('startup');
    expect(error.facts.timeoutMs).toBe(300);
    expect(error.facts.signal).toBe('SIGKILL');
  });

  it('fails with CHILD_CRASH, its exit code and the stderr tail when the child exits during the handshake', async () => {
    const { error } = await startFailure('misbehaving', ['exit-during-handshake']);
    expect(error.code).toBe(ErrorCode.CHILD_CRASH);
    expect(error.facts.reason).toBe('exited_before_handshake');
    expect(error.facts.exitCode).toBe(2);
    expect(error.facts.signal).toBeNull();
    expect(typeof error.facts.stderrTail).toBe('string');
  });

  it('carries what the child wrote on stderr before it died in the startup failure', async () => {
    const { error } = await startFailure('misbehaving', ['no-such-mode']);
    expect(error.code).toBe(ErrorCode.CHILD_CRASH);
    expect(error.facts.exitCode).toBe(64);
    expect(String(error.facts.stderrTail)).toContain('no-such-mode');
  });

  it('fails with CHILD_EXIT when the child exits with status 0 before its handshake', async () => {
    const { error } = await startFailure('fault-child', ['exit-0', 'handshake']);
    expect(error.code).toBe(ErrorCode.CHILD_EXIT);
    expect(error.facts).toMatchObject({ reason: 'exited_before_handshake', exitCode: 0, signal: null });
    expect(typeof error.facts.stderrTail).toBe('string');
  });

  it('fails with CHILD_CRASH naming the signal when the child is killed before its handshake', async () => {
    const { error } = await startFailure('fault-child', ['sigkill', 'handshake']);
    expect(error.code).toBe(ErrorCode.CHILD_CRASH);
    expect(error.facts).toMatchObject({
      reason: 'exited_before_handshake',
      exitCode: null,
      signal: 'SIGKILL',
    });
  });

  it('fails with HANDSHAKE when the first frame is garbage', async () => {
    const { error } = await startFailure('misbehaving', ['garbage']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
    expect(error.facts.reason).not.toBe('exited_before_handshake');
  });

  it('fails with HANDSHAKE version_mismatch when the handshake names another protocol version', async () => {
    const { error } = await startFailure('misbehaving', ['wrong-protocol-version']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
    expect(error.facts.reason).toBe('version_mismatch');
    expect(error.facts.expected).toBe(10);
    expect(error.facts.actual).toBe(9);
  });

  it('fails with HANDSHAKE when the frame envelope carries another version', async () => {
    const { error } = await startFailure('misbehaving', ['wrong-frame-version']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
  });

  it('refuses an oversize frame header before the handshake without allocating it', async () => {
    const { error } = await startFailure('misbehaving', ['oversize-header']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
    expect(error.facts.reason).toBe('frame_too_large');
  });

  it('fails with SPAWN errno ENOENT for a missing executable', async () => {
    const { error } = await startFailure({ command: '/nonexistent/lean-worker-child' });
    expect(error.code).toBe(ErrorCode.SPAWN);
    expect(error.facts.errno).toBe('ENOENT');
  });

  it('fails with SPAWN errno EACCES for a file that is not executable', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lwp-spawn-'));
    const file = path.join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const { error } = await startFailure({ command: file });
    expect(error.code).toBe(ErrorCode.SPAWN);
    expect(error.facts.errno).toBe('EACCES');
  });

  it('does not block on a child that floods stderr before the handshake', async () => {
    const sup = await startSupervisor('misbehaving', ['stderr-flood', '16'], {
      launch: { stderrTailBytes: 4096 },
    });
    succeeded(await sup.call({ op: 'health' }));
  });

  it('refuses a request body off the protocol as INVALID_ARGUMENT without writing it', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const malformed: Record<string, unknown> = { op: 'json_command', export: 42, request_json: '{}' };
    const outcome = await sup.call(malformed as unknown as Parameters<typeof sup.call>[0]);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(outcome.error.facts).toMatchObject({ reason: 'invalid_message' });
    expect(outcome.workEnteredChild).toBe(false);
    expect(sup.pid).toBe(pid);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('clamps the frame limit it configures and refuses an oversize request without writing it', async () => {
    const sup = await startSupervisor('test-child', [], { launch: { maxFrameBytes: 1 } });
    const pid = sup.pid;
    const outcome = await sup.call({
      op: 'json_command',
      export: 'echo',
      request_json: JSON.stringify('z'.repeat(70_000)),
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(outcome.workEnteredChild).toBe(false);
    expect(outcome.restarted).toBe(false);
    expect(sup.generation).toBe(0);
    expect(sup.pid).toBe(pid);
    expect(pidGone(pid)).toBe(false);
    succeeded(
      await sup.call({
        op: 'json_command',
        export: 'echo',
        request_json: JSON.stringify('z'.repeat(60_000)),
      }),
    );
  });
});

describe('health during start', () => {
  const raw = helperChild('raw-child.mjs');

  it('sends configure_frame_limit and then health before the first request', async () => {
    const sup = await startSupervisor(raw, []);
    const outcome = succeeded(await sup.call({ op: 'json_command', export: 'seen', request_json: '{}' }));
    expect(outcome.value).toEqual(['configure_frame_limit', 'request:health', 'request:json_command']);
  });

  it('fails with HANDSHAKE health_failed when the child answers health with an error', async () => {
    const { error } = await startFailure(raw, ['health-error']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
    expect(error.facts).toMatchObject({
      phase: 'health',
      reason: 'health_failed',
      workerCode: 'fixture.unwell',
    });
    expect(error.facts.signal).toBe('SIGKILL');
  });

  it('fails with HANDSHAKE unexpected_message when the child answers health with something else', async () => {
    const { error } = await startFailure(raw, ['health-row']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
    expect(error.facts).toMatchObject({
      phase: 'health',
      reason: 'unexpected_message',
      messageType: 'data_row',
    });
  });

  it('fails with a startup TIMEOUT when health goes unanswered', async () => {
    // Long enough for the handshake to arrive first on a loaded machine; health then never does.
    const { error } = await startFailure(raw, ['health-silent'], { launch: { startupTimeoutMs: 2_500 } });
    expect(error.code).toBe(ErrorCode.TIMEOUT);
    expect(error.facts).toMatchObject({ operation: 'startup', phase: 'health', timeoutMs: 2_500 });
  });

  it('reports a child that exits instead of answering health by its exit status', async () => {
    const clean = await startFailure(raw, ['health-exit-0']);
    expect(clean.error.code).toBe(ErrorCode.CHILD_EXIT);
    expect(clean.error.facts).toMatchObject({ reason: 'exited_before_health', exitCode: 0, signal: null });
    const crashed = await startFailure(raw, ['health-exit-5']);
    expect(crashed.error.code).toBe(ErrorCode.CHILD_CRASH);
    expect(crashed.error.facts).toMatchObject({ reason: 'exited_before_health', exitCode: 5, signal: null });
  });
});
