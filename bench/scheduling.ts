/**
 * Scheduling workload: requests over many session keys (Zipf-distributed, seeded), maxWorkers 4,
 * a memory budget that fits 3 fixture workers (each child allocates real memory when its session
 * opens), several callers at once. Reports key hit rate, evictions, queue wait, refusals and peak
 * memory by measure, and checks that the budget is never passed by more than one worker's
 * predicted cost.
 *
 *   node dist/bench/scheduling.js [--quick | --smoke] [--out DIR]
 */
import { LeanWorkerError, LeanWorkerPool } from '../src/index.js';
import { echo, relativeToRoot, TEST_CHILD, testChildSource } from './lib/fixtures.js';
import { describePeaks, MEMORY_MEASURE_TEXT, MemoryWatch } from './lib/memory-watch.js';
import { BenchReport, benchArgs, check, runMain, step } from './lib/report.js';
import { fmt, latency } from './lib/stats.js';
import { zipfTrace } from './lib/traces.js';

const OPEN_KIB = 32 * 1024;
const CALLERS = 8;
const ZIPF_S = 1;

const source = (key: number) =>
  testChildSource([`Bench.Key${key}`], [`--open-kib=${OPEN_KIB}`, '--require-session']);

/** What one worker with an open session costs here: private memory and shared file pages. */
async function probeWorkerCost() {
  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  try {
    (await pool.acquireLease(source(-1))).release();
    const m = pool.snapshot().memory;
    if (m.privateSumKib === 0) throw new Error('memory samples unavailable: cannot size the budget');
    return { privateKib: m.privateSumKib, sharedFileKib: m.sharedFileKib };
  } finally {
    await pool.destroy();
  }
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('scheduling', import.meta.filename, args);
  const requests = args.smoke ? 40 : args.quick ? 48 : 2_000;
  const keys = args.smoke ? 8 : args.quick ? 10 : 40;
  report.header(
    'admission and eviction under a memory budget',
    `${requests.toLocaleString('en-US')} json_command requests over ${keys} session keys (Zipf s=${ZIPF_S}, seeded), ` +
      `${CALLERS} concurrent callers, maxWorkers 4, budget for 3 workers; test fixture child ` +
      `(node ${relativeToRoot(TEST_CHILD)} --open-kib=${OPEN_KIB}) allocates ${OPEN_KIB / 1024} MiB on session open`,
  );
  step('probe worker cost');
  const cost = await probeWorkerCost();
  // Three workers fit, a fourth does not (half a worker of slack).
  const budgetKib = Math.round(cost.sharedFileKib + 3.5 * cost.privateKib);
  report.print(
    `probe: one worker costs ${fmt(cost.privateKib / 1024, 1)} MiB private + ${fmt(cost.sharedFileKib / 1024, 1)} MiB shared file pages; ` +
      `budget ${fmt(budgetKib / 1024, 1)} MiB (maxTotalChildMemoryKib ${budgetKib})`,
  );
  const pool = new LeanWorkerPool({
    maxWorkers: 4,
    maxTotalChildMemoryKib: budgetKib,
    memorySampleIntervalMs: 50,
    queueWaitTimeoutMs: 120_000,
  });
  const sequence = zipfTrace(requests, keys, ZIPF_S, 42);
  const acquireMs: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  let served = 0;
  const watch = new MemoryWatch(pool);
  const t0 = performance.now();
  step('requests');
  try {
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < sequence.length) {
          const i = next++;
          const a0 = performance.now();
          try {
            const lease = await pool.acquireLease(source(sequence[i] as number));
            acquireMs.push(performance.now() - a0);
            try {
              const reply = await lease.runJsonCommand(echo, { x: i });
              if (reply.echo.x === i) served += 1;
            } finally {
              lease.release();
            }
          } catch (error) {
            const code = error instanceof LeanWorkerError ? error.code : String(error);
            errors.set(code, (errors.get(code) ?? 0) + 1);
          }
          watch.sample();
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const peaks = watch.stop();
    const s = pool.snapshot();
    const hitRate = s.keyHits / Math.max(1, s.keyHits + s.keyMisses);
    const predictedKib = cost.privateKib;
    const overPool = peaks.poolDecisionTotalKib - budgetKib;
    const overProc =
      peaks.procPrivatePlusSharedKib === null ? null : peaks.procPrivatePlusSharedKib - budgetKib;
    const acquire = latency(acquireMs);
    const results = {
      requests,
      served,
      seconds,
      requestsPerSec: requests / seconds,
      errors: Object.fromEntries(errors),
      keyHits: s.keyHits,
      keyMisses: s.keyMisses,
      keyHitRate: hitRate,
      distinctKeysSeen: s.distinctKeysSeen,
      coldOpenAttempts: s.coldOpenAttempts,
      coldOpenAdmitted: s.coldOpenAdmitted,
      coldOpenRefusals: s.coldOpenRefusals,
      evictions: s.evictions,
      memoryBudgetRejections: s.memoryBudgetRejections,
      queueTimeouts: s.queueTimeouts,
      queueWaitP50Ms: s.queueWaitP50Ms,
      queueWaitP99Ms: s.queueWaitP99Ms,
      callerAcquire: acquire,
      budgetKib,
      predictedWorkerKib: predictedKib,
      probe: cost,
      peaks,
      overBudgetKib: { pool: overPool, proc: overProc },
    };
    report.print(
      `${results.served}/${requests} served in ${fmt(seconds, 1)} s (${fmt(results.requestsPerSec, 0)} requests/s); errors: ${JSON.stringify(results.errors)}`,
    );
    report.print(
      `key hit rate ${fmt(hitRate * 100, 1)}% (${s.keyHits} hits, ${s.keyMisses} misses over ${s.distinctKeysSeen} keys); ` +
        `cold opens ${s.coldOpenAdmitted}/${s.coldOpenAttempts} admitted, refusals ${s.coldOpenRefusals}; evictions ${s.evictions}; ` +
        `memory-budget rejections ${s.memoryBudgetRejections}, queue timeouts ${s.queueTimeouts}`,
    );
    report.print(
      `queue wait (pool) p50 ${fmt(s.queueWaitP50Ms)} ms, p99 ${fmt(s.queueWaitP99Ms)} ms; caller acquire p50 ${fmt(acquire.medianMs)} ms, p99 ${fmt(acquire.p99Ms)} ms`,
    );
    report.print(`peak memory: ${describePeaks(peaks)}`);
    report.print(
      `budget ${fmt(budgetKib / 1024, 1)} MiB + one worker's predicted cost ${fmt(predictedKib / 1024, 1)} MiB = ${fmt((budgetKib + predictedKib) / 1024, 1)} MiB; ` +
        `peak over budget: pool ${fmt(overPool / 1024, 1)} MiB, /proc ${overProc === null ? 'unavailable' : `${fmt(overProc / 1024, 1)} MiB`}`,
    );
    report.print();
    await report.finish({
      workload: {
        child: relativeToRoot(TEST_CHILD),
        openKib: OPEN_KIB,
        requests,
        keys,
        zipfS: ZIPF_S,
        seed: 42,
        callers: CALLERS,
        maxWorkers: 4,
        budgetKib,
      },
      memoryMeasure: MEMORY_MEASURE_TEXT,
      results,
      checks: {
        'all requests served': check(requests - served, '<=', 0),
        'pool peak over budget (KiB)': check(overPool, '<=', predictedKib),
        ...(overProc === null ? {} : { '/proc peak over budget (KiB)': check(overProc, '<=', predictedKib) }),
      },
      caveats: [
        'The budget check compares peaks of 20 ms samples; the pool itself samples each child every 50 ms, so a short spike between samples can be missed by both.',
        'The /proc figure reads every direct child of this process; it includes a child that is starting or exiting, which the pool no longer or not yet counts.',
        'Each request is one json_command echo, so the workload measures scheduling and cold opens, not Lean work.',
        `The fixture child is a Node process; its own private memory (about ${fmt((cost.privateKib - OPEN_KIB) / 1024, 0)} MiB) adds to the ${OPEN_KIB / 1024} MiB it allocates on open.`,
      ],
    });
  } finally {
    watch.stop();
    await pool.destroy();
  }
}

runMain(main);
