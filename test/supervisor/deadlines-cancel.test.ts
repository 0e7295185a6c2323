import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { pidGone, waitGone } from '../helpers/proc.js';
import { drain, failed, sleep, startSupervisor, succeeded } from '../helpers/supervisor.js';

describe('deadlines', () => {
  it('fails a silent request at its total deadline, kills and reaps the child, and starts the next generation', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('hang', {}, { timeoutMs: 300 });
    const { error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.TIMEOUT);
    expect(error?.facts).toMatchObject({ operation: 'run_data_stream', kind: 'total', timeoutMs: 300 });
    const outcome = failed(await s.control);
    expect(outcome.restarted).toBe(true);
    expect(outcome.workEnteredChild).toBe(true);
    expect(pidGone(pid)).toBe(true);
    expect(sup.eventsOf('reap').find((e) => e.pid === pid)?.exit.signal).toBe('SIGKILL');
    await sup.untilGeneration(1);
    expect(sup.pid).not.toBe(pid);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('applies the total deadline to a child that keeps sending progress', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('hang_progress', { intervalMs: 20 }, { timeoutMs: 300, idleTimeoutMs: 200 });
    const { error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.TIMEOUT);
    expect(error?.facts.kind).toBe('total');
    expect(s.progress.length).toBeGreaterThan(0);
  });

  it('fails at the idle deadline when the child goes silent after rows, keeping the rows delivered', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('hang_after_rows', { rows: 3 }, { timeoutMs: 10_000, idleTimeoutMs: 300 });
    const { rows, error } = await drain(s.stream);
    expect(rows.map((r) => r.sequence)).toEqual([0, 1, 2]);
    expect(error?.code).toBe(ErrorCode.TIMEOUT);
    expect(error?.facts).toMatchObject({ kind: 'idle', timeoutMs: 300 });
    expect(await waitGone(pid)).toBe(true);
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('uses the worker default idle deadline when the request sets none', async () => {
    const sup = await startSupervisor('test-child', [], { launch: { requestIdleTimeoutMs: 300 } });
    const s = sup.stream('hang', {}, { timeoutMs: 10_000 });
    const { error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.TIMEOUT);
    expect(error?.facts.kind).toBe('idle');
  });

  it('suspends the idle deadline while the consumer holds back credit', async () => {
    const sup = await startSupervisor('test-child', [], { relay: { initialCredit: 1, maxBatchItems: 16 } });
    const s = sup.stream('rows', { count: 3000 }, { timeoutMs: 10_000, idleTimeoutMs: 300 });
    await sup.untilEvent('backpressure', (e) => e.requestId === s.id);
    await sleep(700);
    const { rows, error } = await drain(s.stream);
    expect(error).toBeNull();
    expect(rows).toHaveLength(3000);
    expect((await s.stream.summary).totalRows).toBe(3000);
    expect(sup.generation).toBe(0);
  });
});

describe('cancellation', () => {
  it('refuses a request cancelled before it was sent without touching the child', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const spec = sup.spec({ op: 'health' });
    sup.handle.cancel(spec.id, 'aborted');
    const outcome = failed(await sup.handle.request(spec, null));
    expect(outcome.error.code).toBe(ErrorCode.ABORTED);
    expect(outcome.error.facts?.reason).toBe('before_send');
    expect(outcome.workEnteredChild).toBe(false);
    expect(outcome.restarted).toBe(false);
    expect(sup.generation).toBe(0);
    expect(sup.pid).toBe(pid);
    expect(sup.eventsOf('kill')).toHaveLength(0);
    expect(sup.eventsOf('restart')).toHaveLength(0);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('kills, reaps and replaces the child when a request is cancelled in flight', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('hang_after_rows', { rows: 2 });
    const { rows, error } = await drain(s.stream, (_row, i) => {
      if (i === 0) sup.handle.cancel(s.id, 'aborted');
    });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(error?.code).toBe(ErrorCode.ABORTED);
    expect(error?.facts.reason).toBe('aborted');
    const outcome = failed(await s.control);
    expect(outcome.workEnteredChild).toBe(true);
    expect(outcome.restarted).toBe(true);
    expect(pidGone(pid)).toBe(true);
    expect(sup.eventsOf('kill').at(-1)?.reason).toBe('cancelled');
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('cancels a request that emits nothing at once, without waiting for a deadline', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('hang', {}, { timeoutMs: 20_000 });
    await sleep(100);
    sup.handle.cancel(s.id);
    const outcome = failed(await s.control);
    expect(outcome.error.code).toBe(ErrorCode.ABORTED);
    expect(outcome.restarted).toBe(true);
  });

  it('cancels the request when the consumer stops iterating early', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('forever', { payloadBytes: 10 });
    let seen = 0;
    for await (const _row of s.stream) {
      seen += 1;
      if (seen === 5) break;
    }
    const outcome = failed(await s.control);
    expect(outcome.error.code).toBe(ErrorCode.ABORTED);
    expect(outcome.error.facts?.reason).toBe('consumer_closed');
    expect(outcome.restarted).toBe(true);
    await expect(s.stream.summary).rejects.toMatchObject({ code: ErrorCode.ABORTED });
    expect(await waitGone(pid)).toBe(true);
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });
});
