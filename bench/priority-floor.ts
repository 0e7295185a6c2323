/**
 * Main's event-loop delay while other work keeps every core busy and the pool's workers sit idle,
 * per priority setting of the pool: no pool at all, `workerNice` 0, `workerNice` 10, and
 * `workerNice` 10 with `workerSchedIdle`. Six spinning threads (normal priority) load the 2 cores;
 * the pool's 2 workers hold no request, but their supervisor threads still post to main now and
 * then (memory samples). A supervisor thread that the scheduler starves while it holds the lock of
 * main's MessagePort queue stalls main for as long (docs/performance.md, "A lock main shares with
 * the supervisor thread"); this benchmark shows whether a setting does that.
 *
 *   node dist/bench/priority-floor.js [--quick | --smoke] [--rounds N] [--out DIR]
 *
 * Variants run in turn, round after round. A benchmark prints; it asserts nothing.
 */
import { LeanWorkerPool, type LeanWorkerPoolOptions } from '../src/index.js';
import { fastRows, fastRowsSource } from './lib/fixtures.js';
import { type Delay, measure } from './lib/loop-delay.js';
import { BenchReport, benchArgs, type Check, check, numberArg, runMain, step } from './lib/report.js';
import { spinningThreads } from './lib/spinners.js';
import { fmt, fmtInt } from './lib/stats.js';

const SPINNERS = 6;
const WORKERS = 2;

interface Variant {
  readonly name: string;
  /** The pool's options, or null for no pool. */
  readonly options: LeanWorkerPoolOptions | null;
}

const VARIANTS: readonly Variant[] = [
  { name: 'no pool', options: null },
  { name: 'workerNice 0', options: { maxWorkers: WORKERS } },
  { name: 'workerNice 10', options: { maxWorkers: WORKERS, workerNice: 10 } },
  {
    name: 'workerNice 10, workerSchedIdle',
    options: { maxWorkers: WORKERS, workerNice: 10, workerSchedIdle: true },
  },
];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One window: the variant's idle pool (warmed by one short stream per worker) beside the spinners. */
async function windowOf(variant: Variant, windowMs: number): Promise<Delay> {
  const pool = variant.options ? new LeanWorkerPool(variant.options) : null;
  try {
    if (pool) {
      const leases = await Promise.all(
        Array.from({ length: WORKERS }, () => pool.acquireLease(fastRowsSource())),
      );
      for (const lease of leases) {
        for await (const _ of lease.runStreamingCommand(fastRows, { count: 5_000 })) {
          // drain
        }
        lease.release();
      }
    }
    const stopSpinning = await spinningThreads(SPINNERS);
    try {
      return await measure(async () => {
        await sleep(windowMs);
        return 0;
      });
    } finally {
      await stopSpinning();
    }
  } finally {
    await pool?.close();
  }
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('priority-floor', import.meta.filename, args);
  const windowMs = args.smoke ? 500 : args.quick ? 2_000 : 8_000;
  const rounds = numberArg(args.argv, '--rounds', args.smoke || args.quick ? 1 : 3);
  report.header(
    "main's event-loop delay beside busy threads, the pool's workers idle, per priority setting",
    `${SPINNERS} spinning threads on every core for ${fmt(windowMs / 1000, 1)} s per window; ` +
      `${WORKERS} idle workers of the fast-rows fixture child (none for "no pool"); ` +
      `${rounds} round(s) of every variant in turn; monitorEventLoopDelay at 1 ms`,
  );
  const results: Record<string, Delay[]> = Object.fromEntries(VARIANTS.map((v) => [v.name, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const variant of VARIANTS) {
      step(`round ${round}: ${variant.name}`);
      const delay = await windowOf(variant, windowMs);
      results[variant.name]?.push(delay);
    }
  }
  const heading = ['variant', 'round', 'p50 ms', 'p99 ms', 'max ms', 'main longest run ms', 'main waited ms'];
  report.table([
    heading,
    ...VARIANTS.flatMap((v) =>
      (results[v.name] ?? []).map((d, i) => [
        v.name,
        String(i + 1),
        fmt(d.p50Ms),
        fmt(d.p99Ms),
        fmt(d.maxMs),
        d.main.longestRunMs === null ? '-' : fmt(d.main.longestRunMs),
        d.main.runQueueWaitMs === null ? '-' : fmtInt(d.main.runQueueWaitMs),
      ]),
    ),
  ]);
  report.print();
  const worstMax = (name: string) => Math.max(...(results[name] ?? []).map((d) => d.maxMs));
  const noPool = worstMax('no pool');
  const checks: Record<string, Check> = {};
  for (const v of VARIANTS.slice(1))
    checks[`${v.name}: worst max / no pool's`] = check(worstMax(v.name) / noPool, '<=', 1.25);
  await report.finish({
    workload: {
      spinners: SPINNERS,
      workers: WORKERS,
      windowMs,
      rounds,
      variants: VARIANTS.map((v) => v.name),
    },
    memoryMeasure: 'unavailable: this benchmark measures event-loop delay, not memory',
    results,
    checks,
    caveats: [
      'The spinners are threads of this process at the normal priority: the load any other busy work puts on the cores.',
      "main longest run ms is main's longest stretch between two 1 ms ticks less its waits for a core: " +
        'a stretch as long as max ms means main was blocked (on a lock), not waiting for a core.',
      "Each window builds its own pool, so a variant does not inherit the last one's threads; the " +
        'spinners start after the pool is warm and stop before it closes.',
      'Other processes on the machine add to every figure; compare variants of one run.',
    ],
  });
}

runMain(main);
