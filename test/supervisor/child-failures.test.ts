import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { pidDead, pidGone, waitDead } from '../helpers/proc.js';
import {
  drain,
  failed,
  helperChild,
  startFailure,
  startSupervisor,
  succeeded,
} from '../helpers/supervisor.js';

describe('child exits and crashes during a request', () => {
  it('fails with CHILD_CRASH after rows, keeping the delivered rows, with exit code and stderr tail', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('crash_after', { rows: 3, code: 3 });
    const { rows, error } = await drain(s.stream);
    expect(rows.map((r) => r.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(error?.code).toBe(ErrorCode.CHILD_CRASH);
    expect(error?.facts).toMatchObject({ operation: 'run_data_stream', exitCode: 3, signal: null });
    expect(typeof error?.facts.stderrTail).toBe('string');
    const outcome = failed(await s.control);
    expect(outcome.stats.rowsDelivered).toBe(3);
    expect(outcome.restarted).toBe(true);
    expect(pidGone(pid)).toBe(true);
    expect(sup.eventsOf('child_exited')[0]).toMatchObject({ generation: 0, inFlight: true });
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('fails with CHILD_EXIT when the child exits 0 in the middle of a request', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('crash_after', { rows: 2, code: 0 });
    const { rows, error } = await drain(s.stream);
    expect(rows).toHaveLength(2);
    expect(error?.code).toBe(ErrorCode.CHILD_EXIT);
    expect(error?.facts).toMatchObject({ exitCode: 0, signal: null });
    await sup.untilGeneration(1);
    expect(sup.eventsOf('restart')[0]?.reason).toBe('child_exit');
  });

  it('fails with CHILD_CRASH naming the signal when the child aborts', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('abort_after', { rows: 1 });
    const { rows, error } = await drain(s.stream);
    expect(rows).toHaveLength(1);
    expect(error?.code).toBe(ErrorCode.CHILD_CRASH);
    expect(error?.facts).toMatchObject({ signal: 'SIGABRT', exitCode: null });
    await sup.untilGeneration(1);
    expect(sup.eventsOf('restart')[0]?.reason).toBe('child_crash');
  });

  it('replaces a child that dies while idle', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    process.kill(pid, 'SIGKILL');
    const exited = await sup.untilEvent('child_exited');
    expect(exited).toMatchObject({ generation: 0, inFlight: false });
    expect(exited.exit.signal).toBe('SIGKILL');
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });
});

describe('protocol violations', () => {
  it('keeps a request answered twice successful, reports the duplicate and starts a new generation', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['duplicate-terminal']);
    const outcome = succeeded(
      await sup.call({ op: 'json_command', export: 'echo', request_json: '{"x":1}' }),
    );
    expect(outcome.generation).toBe(0);
    const violation = await sup.untilEvent('protocol_violation');
    expect(violation.generation).toBe(0);
    expect(violation.error.code).toBe(ErrorCode.PROTOCOL);
    expect(violation.error.facts?.reason).toBe('unsolicited_frame');
    await sup.untilGeneration(1);
  });

  it('keeps a completed stream successful when a row follows its terminal response', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['row-after-terminal']);
    const s = sup.stream('rows', {});
    const { rows, error } = await drain(s.stream);
    expect(error).toBeNull();
    expect(rows).toHaveLength(1);
    expect((await s.stream.summary).totalRows).toBe(1);
    const violation = await sup.untilEvent('protocol_violation');
    expect(violation.error.facts).toMatchObject({ reason: 'unsolicited_frame', messageType: 'data_row' });
    await sup.untilGeneration(1);
  });

  it('reports a frame sent with no request in flight as a violation and restarts', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['stale-terminal']);
    const s = sup.stream('rows', {});
    expect((await drain(s.stream)).error).toBeNull();
    const violation = await sup.untilEvent('protocol_violation');
    expect(violation.error.facts).toMatchObject({ reason: 'unsolicited_frame', messageType: 'data_row' });
    await sup.untilGeneration(1);
    expect(sup.eventsOf('protocol_violation')).toHaveLength(1);
  });

  it('reports a response sent while idle as a violation at once, not as the answer to the next request', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['idle-response']);
    const violation = await sup.untilEvent('protocol_violation', () => true, 2_000);
    expect(violation.generation).toBe(0);
    expect(violation.error.facts).toMatchObject({ reason: 'unsolicited_frame', messageType: 'response' });
    await sup.untilGeneration(1);
  });

  it('refuses to start a child that writes a response together with its handshake', async () => {
    const { error } = await startFailure(helperChild('raw-child.mjs'), ['glued-response']);
    expect(error.code).toBe(ErrorCode.HANDSHAKE);
    expect(error.facts.reason).toBe('unexpected_message');
  });

  it('fails with PROTOCOL and restarts on garbage in the middle of a stream', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['garbage-mid-stream']);
    const pid = sup.pid;
    const s = sup.stream('rows', {});
    const { error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.PROTOCOL);
    expect(failed(await s.control).restarted).toBe(true);
    expect(pidGone(pid)).toBe(true);
    await sup.untilGeneration(1);
  });

  it('fails with FRAME_TOO_LARGE on an oversize frame mid-stream, keeping the row read just before it', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['oversize-mid-stream']);
    const s = sup.stream('rows', {});
    const { rows, error } = await drain(s.stream);
    expect(rows).toHaveLength(1);
    expect(error?.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(error?.facts.reason).toBe('frame_too_large');
    expect(failed(await s.control).restarted).toBe(true);
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });
});

describe('stderr and descendants', () => {
  it('drains a stderr flood of many MiB during a request and keeps only a bounded tail', async () => {
    const sup = await startSupervisor('test-child', [], { launch: { stderrTailBytes: 4096 } });
    const flood = sup.stream('stderr_flood', { rows: 2, mib: 16 }, { timeoutMs: 20_000 });
    expect((await drain(flood.stream)).error).toBeNull();
    const crash = sup.stream('crash_after', { rows: 0 });
    const { error } = await drain(crash.stream);
    expect(error?.code).toBe(ErrorCode.CHILD_CRASH);
    const tail = String(error?.facts.stderrTail);
    expect(tail.length).toBeGreaterThan(1000);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(4096 + 64);
  });

  it('observes the exit of a child whose grandchild keeps stdout open, and kills the grandchild', async () => {
    const sup = await startSupervisor('misbehaving', ['grandchild']);
    const report = await sup.handle.shutdown('graceful');
    expect(report.outcome).toBe('graceful');
    expect(report.exit?.code).toBe(0);
    const match = /grandchild (\d+)/.exec(report.exit?.stderrTail ?? '');
    expect(match).not.toBeNull();
    const grandchild = Number(match?.[1]);
    expect(await waitDead(grandchild, 1_000)).toBe(true);
    expect(pidDead(grandchild)).toBe(true);
  });
});
