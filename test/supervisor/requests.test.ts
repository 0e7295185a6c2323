import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { RowPortMessage } from '../../src/protocol/port-messages.js';
import { pidGone } from '../helpers/proc.js';
import { drain, failed, type Sup, startSupervisor, succeeded } from '../helpers/supervisor.js';

/** Run a stream request reading its row port raw, counting every message of each type. */
async function rawStream(sup: Sup, exportName: string, params: unknown, timeoutMs = 0) {
  const spec = sup.spec(
    { op: 'run_data_stream', export: exportName, request_json: JSON.stringify(params), progress: false },
    { timeoutMs },
  );
  const channel = new MessageChannel();
  const messages: RowPortMessage[] = [];
  const ended = new Promise<void>((resolve) => {
    channel.port1.on('message', (m: RowPortMessage) => {
      messages.push(m);
      if (m.type !== 'end') channel.port1.postMessage({ type: 'credit', batches: 1 });
    });
    channel.port1.on('close', () => resolve());
  });
  const outcome = await sup.handle.request(spec, channel.port2);
  await Promise.race([ended, new Promise((r) => setTimeout(r, 200))]);
  channel.port1.close();
  return { outcome, messages, ends: messages.filter((m) => m.type === 'end') };
}

describe('requests', () => {
  it('streams rows in order with per-stream sequences and a matching summary', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('multi_stream', { streams: ['left', 'right'], perStream: 2 });
    const { rows, error } = await drain(s.stream);
    expect(error).toBeNull();
    expect(rows.map((r) => [r.stream, r.sequence])).toEqual([
      ['left', 0],
      ['right', 0],
      ['left', 1],
      ['right', 1],
    ]);
    const summary = await s.stream.summary;
    expect(summary.totalRows).toBe(4);
    expect(summary.perStreamCounts).toEqual({ left: 2, right: 2 });
  });

  it('delivers diagnostics, progress and metadata in wire order with the rows', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('rows', { count: 3 });
    const { rows } = await drain(s.stream);
    expect(rows).toHaveLength(3);
    expect(s.diagnostics.map((d) => d.code)).toEqual(['fixture.rows.started', 'fixture.rows.finished']);
    expect(s.progress.map((p) => [p.phase, p.current, p.total])).toEqual([['fixture.rows', 3, 3]]);
    expect((await s.stream.summary).metadata).toEqual({ ok: true, rows: 3 });
  });

  it('refuses a second request while one is in flight with LEASE_BUSY and leaves the first running', async () => {
    const sup = await startSupervisor('test-child');
    const first = sup.stream('slow', { rows: 6, msPerRow: 30 });
    const iterator = first.stream[Symbol.asyncIterator]();
    await iterator.next();
    const second = failed(await sup.call({ op: 'health' }));
    expect(second.error.code).toBe(ErrorCode.LEASE_BUSY);
    expect(second.workEnteredChild).toBe(false);
    expect(second.restarted).toBe(false);
    let more = 0;
    while (!(await iterator.next()).done) more += 1;
    expect(more).toBe(5);
    expect((await first.stream.summary).totalRows).toBe(6);
    expect(sup.generation).toBe(0);
  });

  it('posts exactly one terminal message per request on success, failure and timeout', async () => {
    const sup = await startSupervisor('test-child');
    const ok = await rawStream(sup, 'rows', { count: 2000 });
    expect(ok.outcome.ok).toBe(true);
    expect(ok.ends).toHaveLength(1);
    expect(ok.messages.at(-1)?.type).toBe('end');
    const crash = await rawStream(sup, 'crash_after', { rows: 2 });
    expect(failed(crash.outcome).error.code).toBe(ErrorCode.CHILD_CRASH);
    expect(crash.ends).toHaveLength(1);
    await sup.untilGeneration(1);
    const timeout = await rawStream(sup, 'hang_after_rows', { rows: 2 }, 300);
    expect(failed(timeout.outcome).error.code).toBe(ErrorCode.TIMEOUT);
    expect(timeout.ends).toHaveLength(1);
    for (const run of [ok, crash, timeout]) {
      const end = run.ends[0];
      expect(end?.type === 'end' && end.outcome).toEqual(run.outcome);
    }
  });

  it('refuses a request bound to a stale generation untouched', async () => {
    const sup = await startSupervisor('test-child');
    await sup.handle.cycle('test');
    expect(sup.generation).toBe(1);
    const pid = sup.pid;
    const kills = sup.eventsOf('kill').length;
    const outcome = failed(await sup.call({ op: 'health' }, { generation: 0 }));
    expect(outcome.error.code).toBe(ErrorCode.LEASE_INVALIDATED);
    expect(outcome.error.facts).toMatchObject({ grantedGeneration: 0, currentGeneration: 1 });
    expect(outcome.workEnteredChild).toBe(false);
    expect(outcome.restarted).toBe(false);
    expect(sup.pid).toBe(pid);
    expect(sup.eventsOf('kill')).toHaveLength(kills);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('cycles to a new generation with a graceful stop of the old child', async () => {
    const sup = await startSupervisor('test-child');
    const old = sup.pid;
    const info = await sup.handle.cycle('policy');
    expect(info.generation).toBe(1);
    expect(info.pid).not.toBe(old);
    expect(pidGone(old)).toBe(true);
    expect(sup.eventsOf('generation_started').at(-1)?.reason).toBe('policy');
    expect(sup.eventsOf('kill')).toHaveLength(0);
  });

  it('answers json_command with the decoded value', async () => {
    const sup = await startSupervisor('test-child');
    const outcome = succeeded(
      await sup.call({ op: 'json_command', export: 'echo', request_json: JSON.stringify({ a: [1, 2] }) }),
    );
    expect(outcome.value).toEqual({ echo: { a: [1, 2] } });
    // The answer crosses once, parsed: not again as text.
    expect(outcome.response).toEqual({ status: 'json_command' });
  });

  it('maps a worker error answer to WORKER with the child code and keeps the child', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('throws_code', { code: 'lean_rs.resource_exhausted' });
    const { error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.WORKER);
    expect(error?.facts.workerCode).toBe('lean_rs.resource_exhausted');
    const outcome = failed(await s.control);
    expect(outcome.restarted).toBe(false);
    expect(sup.pid).toBe(pid);
  });
});
