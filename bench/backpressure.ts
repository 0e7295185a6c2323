/**
 * A slow consumer on the main thread: the fast child produces rows far quicker than they are
 * read, and the parent's RSS must stay bounded (credit backpressure stops reading the child).
 *
 *   node dist/bench/backpressure.js [--quick | --smoke] [--out DIR]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LeanWorkerPool } from '../src/index.js';
import { FAST_ROWS_CHILD, fastRows, fastRowsSource, relativeToRoot } from './lib/fixtures.js';
import { BenchReport, benchArgs, check, runMain } from './lib/report.js';
import { fmt, fmtRate, mib } from './lib/stats.js';

/** Await a 1 ms timer after every this many rows. */
const SLOW_EVERY_ROWS = 256;

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('backpressure', import.meta.filename, args);
  const rows = args.smoke ? 5_000 : args.quick ? 100_000 : 1_000_000;
  report.header(
    'slow consumer: parent RSS while the child outpaces the reader',
    `fast-rows fixture child (node ${relativeToRoot(FAST_ROWS_CHILD)}), ${rows.toLocaleString('en-US')} rows through one lease; ` +
      `consumer on main awaits a 1 ms timer every ${SLOW_EVERY_ROWS} rows; parent RSS sampled every 100 ms`,
  );
  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  try {
    const lease = await pool.acquireLease(fastRowsSource());
    const warm = lease.runStreamingCommand(fastRows, { count: 10_000 });
    for await (const _ of warm) {
      // warm-up: JIT and the first batches
    }
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let samples = 0;
    const timer = setInterval(() => {
      samples += 1;
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 100);
    const t0 = performance.now();
    const stream = lease.runStreamingCommand(fastRows, { count: rows });
    let seen = 0;
    for await (const row of stream) {
      seen += 1;
      if (row.sequence % SLOW_EVERY_ROWS === 0) await sleep(1);
    }
    await stream.summary;
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    const rssAfter = process.memoryUsage().rss;
    peak = Math.max(peak, rssAfter);
    const outcome = await stream.outcome;
    lease.release();
    if (seen !== rows) throw new Error(`expected ${rows} rows, got ${seen}`);
    const result = {
      rows,
      seconds,
      rowsPerSec: rows / seconds,
      rssBeforeMib: mib(rssBefore),
      rssAfterMib: mib(rssAfter),
      rssPeakMib: mib(peak),
      growthAfterMib: mib(rssAfter - rssBefore),
      growthPeakMib: mib(peak - rssBefore),
      samples,
      backpressureWaits: outcome.stats.backpressureWaits,
    };
    report.print(
      `${fmtRate(result.rowsPerSec)} rows/s over ${fmt(seconds, 1)} s; backpressure waits ${result.backpressureWaits}`,
    );
    report.print(
      `parent RSS before ${fmt(result.rssBeforeMib, 1)} MiB, after ${fmt(result.rssAfterMib, 1)} MiB, peak ${fmt(result.rssPeakMib, 1)} MiB ` +
        `(${samples} samples): growth ${fmt(result.growthAfterMib, 1)} MiB after, ${fmt(result.growthPeakMib, 1)} MiB at peak`,
    );
    report.print();
    await report.finish({
      workload: {
        child: relativeToRoot(FAST_ROWS_CHILD),
        rows,
        slowEveryRows: SLOW_EVERY_ROWS,
        sampleIntervalMs: 100,
      },
      memoryMeasure: 'parent process RSS (process.memoryUsage().rss), sampled every 100 ms',
      results: result,
      checks: { 'parent RSS growth at peak (MiB)': check(result.growthPeakMib, '<=', 32) },
      caveats: [
        'No forced GC: growth includes V8 heap from materialised rows that a later GC may reclaim.',
        'A 100 ms sampler can miss a short peak.',
      ],
    });
  } finally {
    await pool.destroy();
  }
}

runMain(main);
