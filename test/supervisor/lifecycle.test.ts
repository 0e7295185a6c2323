import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { pidGone, waitDead, waitGone } from '../helpers/proc.js';
import {
  drain,
  failed,
  openRequest,
  PYTHON_CHILD,
  SHIMS_SESSION,
  startSupervisor,
  succeeded,
} from '../helpers/supervisor.js';

describe('shutdown', () => {
  it('stops a healthy child gracefully and reaps it', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const report = await sup.handle.shutdown('graceful');
    expect(report.outcome).toBe('graceful');
    expect(report.exit).toMatchObject({ code: 0, signal: null, success: true });
    expect(report.killWaitMs).toBeNull();
    expect(pidGone(pid)).toBe(true);
  });

  it('kills at once in kill mode', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const report = await sup.handle.shutdown('kill');
    expect(report.outcome).toBe('kill_only');
    expect(report.exit?.signal).toBe('SIGKILL');
    expect(pidGone(pid)).toBe(true);
  });

  it('fails the request in flight with POOL_CLOSED when shut down under it', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('hang_after_rows', { rows: 1 });
    await s.stream[Symbol.asyncIterator]().next();
    await sup.handle.shutdown('kill');
    expect(failed(await s.control).error.code).toBe(ErrorCode.POOL_CLOSED);
  });
});

describe('restart intensity', () => {
  it('stops restarting past maxRestarts with RESTART_LIMIT and then fails every request fast', async () => {
    const sup = await startSupervisor('test-child', [], { restart: { maxRestarts: 2, windowMs: 60_000 } });
    for (let generation = 0; generation < 3; generation++) {
      await sup.untilGeneration(generation);
      const outcome = failed(await sup.stream('crash_after', { rows: 0 }).control);
      expect(outcome.error.code).toBe(ErrorCode.CHILD_CRASH);
    }
    const limit = await sup.untilEvent('restart_limit');
    expect(limit).toMatchObject({ restarts: 2, windowMs: 60_000 });
    expect(sup.generation).toBe(2);
    for (let i = 0; i < 2; i++) {
      const refused = failed(await sup.call({ op: 'health' }));
      expect(refused.error.code).toBe(ErrorCode.RESTART_LIMIT);
      expect(refused.error.facts).toMatchObject({ restarts: 2, windowMs: 60_000, lastReason: 'child_crash' });
      expect(refused.workEnteredChild).toBe(false);
    }
    expect(sup.eventsOf('generation_started')).toHaveLength(3);
  });

  it('backs off between consecutive restarts in one window', async () => {
    const sup = await startSupervisor('test-child', [], {
      restart: { backoffBaseMs: 50, backoffMaxMs: 400 },
    });
    for (let generation = 0; generation < 3; generation++) {
      await sup.untilGeneration(generation);
      await sup.stream('crash_after', { rows: 0 }).control;
    }
    expect(sup.eventsOf('restart').map((e) => e.delayMs)).toEqual([0, 50, 100]);
  });
});

describe('memory limit', () => {
  it('kills a child past its hard memory limit with MEMORY_LIMIT and replaces it', async () => {
    // The request allocates the memory and holds it: the sampler's kill can only land on it, however
    // long the allocation takes on a loaded machine.
    const sup = await startSupervisor('test-child', [], {
      launch: { hardMemoryLimitKib: 120_000, memorySampleIntervalMs: 250 },
    });
    const before = await sup.handle.sample();
    expect(before.privateKib).toBeLessThan(120_000);
    succeeded(await sup.call(openRequest()));
    const pid = sup.pid;
    const s = sup.stream('hold', { kib: 160_000 });
    const { error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.MEMORY_LIMIT);
    expect(error?.facts).toMatchObject({ limitKib: 120_000, measure: 'private' });
    expect(Number(error?.facts.currentKib)).toBeGreaterThanOrEqual(120_000);
    expect(failed(await s.control).restarted).toBe(true);
    expect(await waitGone(pid)).toBe(true);
    await sup.untilGeneration(1);
  });
});

describe('typed rows and sessions', () => {
  const rowSchema = {
    type: 'object',
    properties: { i: { type: 'number' }, name: { type: 'string' } },
    required: ['i', 'name'],
  };

  it('fails with ROW_DECODE naming export, stream and sequence, without restarting the child', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream(
      'rows',
      { count: 5 },
      { schemas: { row: { json: rowSchema, preservesValue: true } } },
    );
    const { rows, error } = await drain(s.stream);
    expect(rows).toHaveLength(0);
    expect(error?.code).toBe(ErrorCode.ROW_DECODE);
    expect(error?.facts).toMatchObject({ export: 'rows', stream: 'rows', sequence: 0 });
    const outcome = failed(await s.control);
    expect(outcome.restarted).toBe(false);
    expect(sup.generation).toBe(0);
    expect(sup.pid).toBe(pid);
    succeeded(await sup.call({ op: 'health' }));
  });

  it('passes rows that match the row schema', async () => {
    const sup = await startSupervisor('test-child');
    const schema = { type: 'object', properties: { i: { type: 'number' } }, required: ['i'] };
    const s = sup.stream('rows', { count: 4 }, { schemas: { row: { json: schema, preservesValue: true } } });
    const { rows, error } = await drain(s.stream);
    expect(error).toBeNull();
    expect(rows.map((r) => (r.payload as { i: number }).i)).toEqual([0, 1, 2, 3]);
  });

  it('delivers the checked value: defaults are applied, unknown keys kept, order and text intact', async () => {
    const sup = await startSupervisor('test-child');
    const withDefault = {
      type: 'object',
      properties: { i: { type: 'number' }, tag: { type: 'string', default: 'untagged' } },
      required: ['i'],
    };
    const typed = await drain(
      sup.stream('rows', { count: 3 }, { schemas: { row: { json: withDefault, preservesValue: false } } })
        .stream,
    );
    expect(typed.error).toBeNull();
    expect(typed.rows.map((r) => r.payload)).toEqual(
      [0, 1, 2].map((i) => expect.objectContaining({ i, tag: 'untagged' })),
    );
    const plain = await drain(sup.stream('rows', { count: 3, stream: 'ℕ→ℝ' }).stream);
    expect(plain.error).toBeNull();
    expect(plain.rows.map((r) => [r.stream, r.sequence])).toEqual([
      ['ℕ→ℝ', 0],
      ['ℕ→ℝ', 1],
      ['ℕ→ℝ', 2],
    ]);
    expect(Object.keys(plain.rows[0] ?? {})).toEqual(['stream', 'sequence', 'payload']);
  });

  it('reopens a missing session once and retries the command', async () => {
    const sup = await startSupervisor('test-child', ['--require-session']);
    const s = sup.stream('rows', { count: 2 }, { session: SHIMS_SESSION });
    const { rows, error } = await drain(s.stream);
    expect(error).toBeNull();
    expect(rows).toHaveLength(2);
    const outcome = succeeded(await s.control);
    expect(outcome.stats.sessionReopened).toBe(true);
    const again = succeeded(await sup.stream('rows', { count: 1 }, { session: SHIMS_SESSION }).control);
    expect(again.stats.sessionReopened).toBe(false);
  });

  it('reports session_missing as a WORKER error when the request carries no session to reopen', async () => {
    const sup = await startSupervisor('test-child', ['--require-session']);
    const outcome = failed(await sup.stream('rows', { count: 2 }).control);
    expect(outcome.error.code).toBe(ErrorCode.WORKER);
    expect(outcome.error.facts?.workerCode).toBe('lean_rs.worker.session_missing');
    expect(outcome.restarted).toBe(false);
  });
});

describe('the Rust-shaped Python child', () => {
  it('runs unchanged under the supervisor: health, session, stream, json command, graceful stop', async () => {
    const sup = await startSupervisor({ command: 'python3', args: [PYTHON_CHILD] });
    expect(sup.handle.info?.workerVersion).toBe('0.7.3');
    expect(succeeded(await sup.call({ op: 'health' })).response.status).toBe('health_ok');
    expect(succeeded(await sup.call(openRequest())).response.status).toBe('host_session_opened');
    const s = sup.stream('rows', { count: 4 });
    const { rows, error } = await drain(s.stream);
    expect(error).toBeNull();
    expect(rows.map((r) => [r.stream, r.sequence, r.payload])).toEqual(
      [0, 1, 2, 3].map((i) => ['rows', i, { i }]),
    );
    expect(s.diagnostics).toHaveLength(1);
    const summary = await s.stream.summary;
    expect(summary).toMatchObject({
      totalRows: 4,
      perStreamCounts: { rows: 4 },
      metadata: { ok: true, rows: 4 },
    });
    const echo = succeeded(
      await sup.call({ op: 'json_command', export: 'echo', request_json: '{"q":[1,"ℕ"]}' }),
    );
    expect(echo.value).toEqual({ q: [1, 'ℕ'] });
    const pid = sup.pid;
    const report = await sup.handle.shutdown('graceful');
    expect(report.outcome).toBe('graceful');
    expect(report.exit?.code).toBe(0);
    expect(pidGone(pid)).toBe(true);
  });
});

describe('a supervisor thread that ends on its own', () => {
  it('settles the request in flight and every later one with WORKER_UNAVAILABLE', async () => {
    // Catch the supervisor's Worker as it is built: the handle keeps it private.
    const workers: Worker[] = [];
    const once = Worker.prototype.once;
    Worker.prototype.once = function (this: Worker, ...args: Parameters<Worker['once']>) {
      if (!workers.includes(this)) workers.push(this);
      return once.apply(this, args);
    };
    let sup: Awaited<ReturnType<typeof startSupervisor>>;
    try {
      sup = await startSupervisor('test-child');
    } finally {
      Worker.prototype.once = once;
    }
    expect(workers).toHaveLength(1);
    const pid = sup.pid;
    const inFlight = sup.call({ op: 'run_data_stream', export: 'hang', request_json: '{}', progress: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await workers[0]?.terminate();
    const unavailable = { code: ErrorCode.WORKER_UNAVAILABLE, facts: { reason: 'supervisor_thread_ended' } };
    expect(failed(await inFlight).error).toMatchObject(unavailable);
    expect(failed(await sup.call({ op: 'health' })).error).toMatchObject(unavailable);
    // The child dies with the thread that spawned it (a zombie until this process reaps it).
    expect(await waitDead(pid, 2_000)).toBe(true);
  });
});

describe('child kinds', () => {
  it('refuses a repl job on a lean-rs-worker child with INVALID_ARGUMENT, nothing sent, the child kept', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const outcome = failed(
      await sup.handle.request(
        {
          id: 1_000_001,
          generation: sup.generation,
          request: { op: 'repl_check', snippet: '#eval 1\n' },
          timeoutMs: 0,
          idleTimeoutMs: 0,
        },
        null,
      ),
    );
    expect(outcome.error.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(outcome.error.facts).toMatchObject({ operation: 'repl_check' });
    expect(outcome.workEnteredChild).toBe(false);
    expect(outcome.restarted).toBe(false);
    expect(sup.pid).toBe(pid);
    succeeded(await sup.call({ op: 'health' }));
  });
});
