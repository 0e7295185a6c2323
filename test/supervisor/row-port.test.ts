import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { drain, failed, readInWorkerThread, startSupervisor, succeeded } from '../helpers/supervisor.js';

describe('row port', () => {
  it('hands the rows to another worker thread, which reads them all while the summary resolves here', async () => {
    const sup = await startSupervisor('fast-rows', [], { relay: { initialCredit: 2, maxBatchItems: 64 } });
    const s = sup.stream('rows', { count: 5000 });
    const seen = await readInWorkerThread(s.stream);
    expect(seen).toEqual({ count: 5000, ordered: true, ok: true });
    expect((await s.stream.summary).totalRows).toBe(5000);
    expect(succeeded(await s.control).stats.backpressureWaits).toBeGreaterThan(0);
    expect(() => s.stream[Symbol.asyncIterator]()).toThrow();
  });

  it('delivers a deadline that passes while the consumer holds back credit, after the rows already relayed', async () => {
    const sup = await startSupervisor('test-child', [], { relay: { initialCredit: 1, maxBatchItems: 8 } });
    const s = sup.stream('forever', { payloadBytes: 10 }, { timeoutMs: 300 });
    const outcome = failed(await s.control);
    expect(outcome.error.code).toBe(ErrorCode.TIMEOUT);
    expect(outcome.restarted).toBe(true);
    const { rows, error } = await drain(s.stream);
    expect(error?.code).toBe(ErrorCode.TIMEOUT);
    expect(rows.length).toBe(outcome.stats.rowsDelivered);
    expect(rows.every((r, i) => r.sequence === i)).toBe(true);
  });

  it('treats rows sent to a request that takes none as a protocol failure and replaces the child', async () => {
    const sup = await startSupervisor('test-child');
    const outcome = failed(
      await sup.call({ op: 'run_data_stream', export: 'rows', request_json: '{"count":2}', progress: false }),
    );
    expect(outcome.error.code).toBe(ErrorCode.PROTOCOL);
    expect(outcome.error.facts?.reason).toBe('row_without_stream');
    expect(outcome.restarted).toBe(true);
    await sup.untilGeneration(1);
  });
});
