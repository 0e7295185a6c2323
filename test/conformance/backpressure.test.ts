import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { eventually } from '../helpers/proc.js';
import { drain, failed, sleep, startSupervisor, succeeded } from '../helpers/supervisor.js';

/** Rows the child has handed to its writer so far, from the fixture's counter file. */
function produced(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  return Number(text.trim().split('\n').at(-1) ?? 0) || 0;
}

/**
 * Rows that may sit between the consumer and the child when the consumer holds back: the batches
 * the consumer holds credit for, one stdout read sealed in the supervisor, the stdout pipe, and
 * the child's own write buffer: a few hundred KiB of 140-byte frames. An unpaced child writes
 * that many rows in a few milliseconds.
 */
const IN_FLIGHT_BOUND = 5_000;

describe('conformance: backpressure', () => {
  it('conformance: a slow consumer over a large stream sees backpressure and still gets every row', async () => {
    const sup = await startSupervisor('test-child', [], { relay: { initialCredit: 2, maxBatchItems: 16 } });
    const s = sup.stream('rows', { count: 3000 });
    const { rows, error } = await drain(s.stream, async (_row, i) => {
      if (i % 25 === 0) await sleep(1);
    });
    expect(error).toBeNull();
    expect(rows).toHaveLength(3000);
    expect(rows.every((r, i) => r.sequence === i)).toBe(true);
    const outcome = succeeded(await s.control);
    expect(outcome.stats.backpressureWaits).toBeGreaterThan(0);
    expect(outcome.stats.rowsDelivered).toBe(3000);
    expect(sup.eventsOf('backpressure').filter((e) => e.requestId === s.id).length).toBeGreaterThan(0);
    expect((await s.stream.summary).totalRows).toBe(3000);
  });

  it('conformance: an endless producer stays within a bound of what a stalled consumer took', async () => {
    const counterFile = path.join(mkdtempSync(path.join(tmpdir(), 'lwp-bp-')), 'count');
    const sup = await startSupervisor('test-child', [], { relay: { initialCredit: 2, maxBatchItems: 16 } });
    const s = sup.stream('forever', { counterFile, payloadBytes: 100 }, { timeoutMs: 20_000 });
    const iterator = s.stream[Symbol.asyncIterator]();
    await iterator.next();
    let consumed = 1;
    await sup.untilEvent('backpressure', (e) => e.requestId === s.id);
    // Stalled: production stops once every buffer on the way is full.
    let last = -1;
    await eventually(
      () => {
        const now = produced(counterFile);
        const settled = now === last && now > 0;
        last = now;
        return settled;
      },
      3_000,
      100,
    );
    const stalled = produced(counterFile);
    expect(stalled - consumed).toBeLessThanOrEqual(IN_FLIGHT_BOUND);
    await sleep(300);
    expect(produced(counterFile)).toBe(stalled);
    // Slow: production follows consumption.
    for (let i = 0; i < 3_000; i++) {
      await iterator.next();
      consumed += 1;
      if (i % 100 === 0) await sleep(2);
    }
    expect(produced(counterFile) - consumed).toBeLessThanOrEqual(IN_FLIGHT_BOUND);
    expect(produced(counterFile)).toBeGreaterThan(stalled);
    await iterator.return?.();
    const outcome = failed(await s.control);
    expect(outcome.error.code).toBe(ErrorCode.ABORTED);
    expect(outcome.stats.backpressureWaits).toBeGreaterThan(0);
  });
});
