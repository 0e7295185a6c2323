import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerDataRow } from '../../src/protocol/port-messages.js';
import { pidGone, waitGone } from '../helpers/proc.js';
import {
  drain,
  failed,
  type StartedStream,
  type Sup,
  startSupervisor,
  succeeded,
} from '../helpers/supervisor.js';

/** Read a stream, recording every row, the terminal error and whether the summary ever resolved. */
async function observe(s: StartedStream) {
  let summaryResolved = false;
  s.stream.summary.then(
    () => {
      summaryResolved = true;
    },
    () => undefined,
  );
  const seen: { row: LeanWorkerDataRow; summaryResolvedBefore: boolean }[] = [];
  const { rows, error } = await drain(s.stream, (row) => {
    seen.push({ row, summaryResolvedBefore: summaryResolved });
  });
  const outcome = await s.control;
  return { rows, error, outcome, seen };
}

async function afterRows(sup: Sup, exportName: string, params: unknown, options = {}) {
  const pid = sup.pid;
  const result = await observe(sup.stream(exportName, params, options));
  expect(result.rows.length).toBeGreaterThan(0);
  expect(result.seen.every((s) => !s.summaryResolvedBefore)).toBe(true);
  const outcome = failed(result.outcome);
  expect(outcome.stats.rowsDelivered).toBe(result.rows.length);
  expect(outcome.workEnteredChild).toBe(true);
  expect(outcome.restarted).toBe(true);
  expect(await waitGone(pid)).toBe(true);
  return { ...result, outcome };
}

describe('conformance: terminal outcomes', () => {
  it('conformance: every request gets exactly one terminal outcome, through both the rows and the control plane', async () => {
    const sup = await startSupervisor('test-child');
    const s = sup.stream('rows', { count: 10 });
    const { error, outcome } = await observe(s);
    expect(error).toBeNull();
    expect(outcome.ok).toBe(true);
    expect(await s.stream.summary).toMatchObject({ totalRows: 10 });
    // A second read of the outcome is the same outcome, not a second one.
    expect(await s.control).toBe(outcome);
    expect(await s.stream.outcome).toBe(outcome);
  });

  it('conformance: rows stay tentative until the terminal success resolves the summary', async () => {
    const sup = await startSupervisor('test-child');
    const result = await observe(sup.stream('slow', { rows: 5, msPerRow: 10 }));
    expect(result.rows).toHaveLength(5);
    expect(result.seen.every((s) => !s.summaryResolvedBefore)).toBe(true);
    succeeded(result.outcome);
  });

  it('conformance: collect() commits rows only after success and gives none on failure', async () => {
    const sup = await startSupervisor('test-child');
    const ok = await sup.stream('rows', { count: 4 }).stream.collect();
    expect(ok.rows).toHaveLength(4);
    expect(ok.summary.totalRows).toBe(4);
    await expect(sup.stream('crash_after', { rows: 3 }).stream.collect()).rejects.toMatchObject({
      code: ErrorCode.CHILD_CRASH,
    });
  });
});

describe('conformance: failures after rows', () => {
  it('conformance: a child exit after rows is CHILD_EXIT, rows kept tentative, child reaped', async () => {
    const sup = await startSupervisor('test-child');
    const { rows, error } = await afterRows(sup, 'crash_after', { rows: 2, code: 0 });
    expect(rows).toHaveLength(2);
    expect(error?.code).toBe(ErrorCode.CHILD_EXIT);
  });

  it('conformance: a crash after rows is CHILD_CRASH, rows kept tentative, child reaped', async () => {
    const sup = await startSupervisor('test-child');
    const { rows, error } = await afterRows(sup, 'crash_after', { rows: 2, code: 101 });
    expect(rows).toHaveLength(2);
    expect(error?.code).toBe(ErrorCode.CHILD_CRASH);
    expect(error?.facts.exitCode).toBe(101);
  });

  it('conformance: a timeout after rows is TIMEOUT, rows kept tentative, child killed and reaped', async () => {
    const sup = await startSupervisor('test-child');
    const { rows, error } = await afterRows(sup, 'hang_after_rows', { rows: 2 }, { timeoutMs: 300 });
    expect(rows).toHaveLength(2);
    expect(error?.code).toBe(ErrorCode.TIMEOUT);
  });

  it('conformance: a cancellation after rows is ABORTED, rows kept tentative, child killed and reaped', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('hang_after_rows', { rows: 2 });
    const { rows, error } = await drain(s.stream, (_row, i) => {
      if (i === 1) sup.handle.cancel(s.id);
    });
    expect(rows).toHaveLength(2);
    expect(error?.code).toBe(ErrorCode.ABORTED);
    const outcome = failed(await s.control);
    expect(outcome.restarted).toBe(true);
    expect(await waitGone(pid)).toBe(true);
  });

  it('conformance: a crash terminalizes the request in flight and the worker serves the next one', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const s = sup.stream('hang_after_rows', { rows: 1 });
    await s.stream[Symbol.asyncIterator]().next();
    process.kill(pid, 'SIGKILL');
    const outcome = failed(await s.control);
    expect(outcome.error.code).toBe(ErrorCode.CHILD_CRASH);
    expect(outcome.error.facts).toMatchObject({ signal: 'SIGKILL', generation: 0 });
    expect(pidGone(pid)).toBe(true);
    await sup.untilGeneration(1);
    succeeded(await sup.call({ op: 'health' }));
  });
});
