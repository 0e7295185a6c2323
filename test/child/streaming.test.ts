/** Streaming exports through the kit: envelopes, sequences, progress, metadata, summaries. */
import { describe, expect, it } from 'vitest';
import type { ChildMessage, Response } from '../../src/protocol/messages.js';
import { readyTestChild, stream } from './harness.js';

function rowsOf(events: ChildMessage[]) {
  return events.flatMap((e) => (e.type === 'data_row' ? [e.body] : []));
}

function summaryOf(response: Response) {
  if (response.status !== 'stream_complete')
    throw new Error(`expected stream_complete, got ${response.status}`);
  return response.summary;
}

describe('streaming exports', () => {
  it('forwards rows, diagnostics and progress in emit order, metadata into the summary', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('rows', { count: 3 }));
    expect(events.map((e) => e.type)).toEqual([
      'diagnostic',
      'data_row',
      'data_row',
      'data_row',
      'progress_tick',
      'diagnostic',
    ]);
    expect(events[0]).toEqual({
      type: 'diagnostic',
      body: { code: 'fixture.rows.started', message: 'started' },
    });
    expect(rowsOf(events).map((r) => [r.stream, r.sequence])).toEqual([
      ['rows', 0],
      ['rows', 1],
      ['rows', 2],
    ]);
    expect(rowsOf(events)[1]?.payload).toEqual({ i: 1, text: 'lemma_1 : ∀ n : ℕ, n ≤ n + 1' });
    expect(events[4]).toEqual({
      type: 'progress_tick',
      body: { phase: 'fixture.rows', current: 3, total: 3 },
    });
    const summary = summaryOf(response);
    expect(summary).toMatchObject({
      total_rows: 3,
      per_stream_counts: { rows: 3 },
      metadata: { ok: true, rows: 3 },
    });
    expect(Number.isInteger(summary.elapsed_micros)).toBe(true);
  });

  it('numbers each stream from 0 and counts streams separately', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(
      stream('multi_stream', { streams: ['b', 'a', 'c'], perStream: 2 }),
    );
    const rows = rowsOf(events);
    expect(rows.map((r) => `${r.stream}${r.sequence}`)).toEqual(['b0', 'a0', 'c0', 'b1', 'a1', 'c1']);
    expect(summaryOf(response)).toMatchObject({
      total_rows: 6,
      per_stream_counts: { a: 2, b: 2, c: 2 },
      metadata: null,
    });
  });

  it('restarts sequences for every request', async () => {
    const child = await readyTestChild();
    await child.call(stream('rows', { count: 2 }));
    const { events } = await child.call(stream('rows', { count: 2 }));
    expect(rowsOf(events).map((r) => r.sequence)).toEqual([0, 1]);
  });

  it('adds data_stream progress ticks when the request asks for progress', async () => {
    const child = await readyTestChild();
    const { events } = await child.call(stream('multi_stream', { streams: ['s'], perStream: 2 }, true));
    expect(events).toEqual([
      { type: 'progress_tick', body: { phase: 'data_stream', current: 0, total: null } },
      { type: 'data_row', body: { stream: 's', sequence: 0, payload: { stream: 's', i: 0 } } },
      { type: 'progress_tick', body: { phase: 'data_stream', current: 1, total: null } },
      { type: 'data_row', body: { stream: 's', sequence: 1, payload: { stream: 's', i: 1 } } },
      { type: 'progress_tick', body: { phase: 'data_stream', current: 2, total: null } },
    ]);
  });

  it('streams chunks with chunk progress i/n', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('chunked', { items: 6, chunkSize: 2 }));
    const ticks = events.flatMap((e) => (e.type === 'progress_tick' ? [[e.body.current, e.body.total]] : []));
    expect(ticks).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(rowsOf(events).map((r) => r.sequence)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(events.filter((e) => e.type === 'diagnostic')).toHaveLength(2);
    expect(summaryOf(response)).toMatchObject({ total_rows: 6, metadata: { chunks: 3, items: 6 } });
  });

  it('runs async-generator exports', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('generator', { count: 4 }));
    expect(rowsOf(events).map((r) => r.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    expect(summaryOf(response)).toMatchObject({
      total_rows: 4,
      per_stream_counts: { gen: 4 },
      metadata: { generated: 4 },
    });
  });

  it('keeps a slow producer live: rows arrive one by one', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('slow', { rows: 5, msPerRow: 10 }));
    expect(rowsOf(events)).toHaveLength(5);
    expect(response.status).toBe('stream_complete');
  });
});

describe('streaming error conversions', () => {
  it.each([
    ['json', 0],
    ['stream', 0],
    ['payload', 2],
    ['diagnostic', 1],
    ['progress', 0],
  ])('malformed envelope (%s) after %i rows ends in stream_row_malformed', async (variant, rows) => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('malformed', { variant, rows }));
    expect(rowsOf(events)).toHaveLength(rows);
    expect(response.status).toBe('stream_row_malformed');
    expect((await child.call({ op: 'health' })).response.status).toBe('health_ok');
  });

  it('answers 4 to every emit after a malformed envelope and reports the malformed one', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('ignore_stop'));
    expect(rowsOf(events)).toHaveLength(0);
    expect(response.status).toBe('stream_row_malformed');
  });

  it('status 7 is stream_export_failed', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('status', { status: 7, rows: 2 }));
    expect(rowsOf(events)).toHaveLength(2);
    expect(response).toEqual({ status: 'stream_export_failed', status_byte: 7 });
  });

  it.each([1, 2, 3, 4])('callback status %i is stream_callback_failed', async (status) => {
    const child = await readyTestChild();
    const { response } = await child.call(stream('status', { status }));
    expect(response).toMatchObject({ status: 'stream_callback_failed', status_byte: status });
  });

  it('a thrown error is error{lean_rs.lean_exception}, rows before it delivered', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('throws', { rows: 2 }));
    expect(rowsOf(events)).toHaveLength(2);
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.lean_exception' });
  });

  it('a thrown WorkerExportError keeps its code', async () => {
    const child = await readyTestChild();
    const { response } = await child.call(stream('throws_code', { code: 'lean_rs.resource_exhausted' }));
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.resource_exhausted' });
  });

  it('a row over the frame cap fails the stream with lean_rs.internal and the child survives', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('big_row', { bytes: 2 << 20 }));
    expect(rowsOf(events)).toHaveLength(0);
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.internal' });
    expect((await child.call({ op: 'health' })).response.status).toBe('health_ok');
  });

  it('an unknown export is checked_binding', async () => {
    const child = await readyTestChild();
    const { response } = await child.call(stream('no_such_export'));
    expect(response).toMatchObject({ status: 'error', code: 'lean_rs.worker.checked_binding' });
  });

  it('a string export used as a stream (and the reverse) is checked_binding', async () => {
    const child = await readyTestChild();
    expect((await child.call(stream('echo'))).response).toMatchObject({
      code: 'lean_rs.worker.checked_binding',
    });
    const reverse = await child.call({ op: 'json_command', export: 'rows', request_json: '{}' });
    expect(reverse.response).toMatchObject({ code: 'lean_rs.worker.checked_binding' });
  });
});
