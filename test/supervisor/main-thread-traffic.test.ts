import { describe, expect, it } from 'vitest';
import { reportsWait } from '../../threads/relay.js';
import { readInWorkerThread, startSupervisor, succeeded } from '../helpers/supervisor.js';

describe('main-thread traffic of a stream read in another thread', () => {
  it('tells the owner of the 1st, 2nd, 4th, 8th... wait only', () => {
    const told = Array.from({ length: 1100 }, (_, i) => i).filter(reportsWait);
    expect(told).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]);
  });

  it('sends the main thread about log2(waits) events however often the consumer makes the relay wait', async () => {
    // One credit and 16-row batches: the relay waits on nearly every batch of 20,000 rows.
    const sup = await startSupervisor('fast-rows', [], { relay: { initialCredit: 1, maxBatchItems: 16 } });
    const before = sup.events.length;
    const s = sup.stream('rows', { count: 20_000 });
    const seen = await readInWorkerThread(s.stream);
    expect(seen).toMatchObject({ count: 20_000, ok: true });
    const waits = succeeded(await s.control).stats.backpressureWaits;
    // Enough waits that one event per wait would break the bound below.
    expect(waits).toBeGreaterThanOrEqual(64);
    const during = sup.events.slice(before);
    const told = during.filter((e) => e.type === 'backpressure' && e.requestId === s.id);
    expect(told).toHaveLength(Math.floor(Math.log2(waits)) + 1);
    expect(told.map((e) => (e.type === 'backpressure' ? e.waits : -1))).toEqual(
      Array.from({ length: told.length }, (_, i) => 2 ** i),
    );
    // Nothing else reached the main thread's event sink while the rows went elsewhere.
    expect(during.length).toBe(told.length);
  });
});
