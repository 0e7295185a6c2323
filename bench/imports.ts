/**
 * Imports avoided, against the bound. Seeded request traces (Zipf s = 0.8, 1.0, 1.2; a bursty
 * trace; a check queue over the demo project's planner batches) are replayed against the real
 * pool with fixture children whose session open costs real time and memory, for each policy:
 * FIFO + LRU, the previous defaults (LRU, warm waiters first) and the new one (cost-aware
 * eviction; also with one evicting start at a time, `maxEvictingStarts: 1`; on the planner trace
 * also with the upcoming batches hinted). Each row prints imports
 * (cold opens, spares and replacements), hit rate, p50/p99 queue wait, peak `/proc` memory
 * against the budget, and Belady's misses on the same trace with the same number of warm slots.
 *
 * `--sim` replays 100,000-request traces through the admission code with a stubbed start
 * function instead (one caller, no processes): imports against Belady, the time per request at
 * 40 and at over 10,000 distinct keys, and at the latter the admission decision's own cost
 * (planning and picking the next waiter, read from a profiled run).
 *
 *   node dist/bench/imports.js [--sim [--seeds 7,11,13]] [--quick | --smoke] [--requests N]
 *       [--only-trace I] [--frontier] [--out DIR]
 *
 * `--sim --seeds A,B,...` prints only the 8-caller stub replay, on the Zipf s=1 and planner traces
 * drawn with each seed (the default tables use seed 7).
 *
 * `--frontier` adds to the real replay the settings the stub replay puts between fewest imports
 * and shortest waits (8 bypasses; 2 evicting starts, with and without 4 bypasses).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import os from 'node:os';
import {
  channelName,
  LeanWorkerError,
  LeanWorkerPool,
  type LeanWorkerPoolOptions,
  type PoolEventPayloads,
} from '../src/index.js';
import { replayOnStubs } from './lib/concurrent-sim.js';
import { profileInside } from './lib/cpu-profile.js';
import { echo, relativeToRoot, TEST_CHILD, testChildSource } from './lib/fixtures.js';
import { MEMORY_MEASURE_TEXT, MemoryWatch } from './lib/memory-watch.js';
import { plannerTrace } from './lib/planner-trace.js';
import { BenchReport, benchArgs, check, runMain, step } from './lib/report.js';
import { fmt, percentile } from './lib/stats.js';
import { stubAdmission, stubSources } from './lib/stub-workers.js';
import { beladyHits, burstyTrace, zipfTrace } from './lib/traces.js';

const OPEN_KIB = 32 * 1024;
const OPEN_DELAY_MS = 150;
const CALLERS = 8;
const MAX_WORKERS = 4;
/** Warm slots the budget leaves room for (the Belady bound uses the same number). */
const SLOTS = 3;

/** Keys the last simulated trace draws from: Zipf(1) over 16,000 keys reaches over 10,000 in 100,000 requests. */
const MANY_KEYS = 16_000;
/** The admission decision: planning one acquire, and picking the next waiter with its plan. */
const DECISION_FUNCTIONS = [
  { name: 'planFor', file: '/pool/admission-plan.js' },
  { name: 'nextToServe', file: '/pool/admission-plan.js' },
];

/** Sampling interval of the profiled run (microseconds). */
const PROFILE_INTERVAL_US = 250;

/** The 1-minute load average, printed beside every figure (the machine may be shared). */
function loadAverage(): string {
  return fmt(os.loadavg()[0] ?? Number.NaN, 2);
}

interface Policy {
  readonly name: string;
  readonly options: LeanWorkerPoolOptions;
  /** Hint the whole upcoming trace (a planner knows its batches). */
  readonly hint?: boolean;
}

const POLICIES: readonly Policy[] = [
  { name: 'FIFO + LRU', options: { eviction: 'lru', maxWaiterBypasses: 0 } },
  { name: 'previous defaults (LRU)', options: { eviction: 'lru' } },
  { name: 'new (cost)', options: { eviction: 'cost' } },
  { name: 'new (cost), 1 evicting start', options: { eviction: 'cost', maxEvictingStarts: 1 } },
];
/** Settings between fewest imports and shortest waits: the stub replay, and the real one with `--frontier`. */
const FRONTIER: readonly Policy[] = [
  { name: 'new (cost), 8 bypasses', options: { eviction: 'cost', maxWaiterBypasses: 8 } },
  { name: 'new (cost), 2 evicting starts', options: { eviction: 'cost', maxEvictingStarts: 2 } },
  {
    name: 'new (cost), 2 evicting starts, 4 bypasses',
    options: { eviction: 'cost', maxEvictingStarts: 2, maxWaiterBypasses: 4 },
  },
];
const HINTED: Policy = { name: 'new (cost) + hint', options: { eviction: 'cost' }, hint: true };
const HINTED_ONE_START: Policy = {
  name: 'new (cost), 1 evicting start + hint',
  options: { eviction: 'cost', maxEvictingStarts: 1 },
  hint: true,
};

function numberArg(argv: readonly string[], name: string): number | null {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] ? Number(argv[at + 1]) : null;
}

/** The seeded traces; a seed other than the default 7 is named in each trace's name. */
async function traces(requests: number, keys: number, seed = 7) {
  const planner = await plannerTrace(400, requests, 1, seed);
  const tag = seed === 7 ? '' : ` (seed ${seed})`;
  return [
    { name: `Zipf s=0.8${tag}`, trace: zipfTrace(requests, keys, 0.8, seed), planner: false },
    { name: `Zipf s=1.0${tag}`, trace: zipfTrace(requests, keys, 1, seed), planner: false },
    { name: `Zipf s=1.2${tag}`, trace: zipfTrace(requests, keys, 1.2, seed), planner: false },
    { name: `bursty${tag}`, trace: burstyTrace(requests, keys, 1, 8, seed), planner: false },
    { name: `planner (${planner.batches} batches)${tag}`, trace: planner.trace, planner: true },
  ];
}

/** What one worker with an open session costs here: private memory and shared file pages. */
async function probeWorkerCost(argv: readonly string[]) {
  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  try {
    (await pool.acquireLease(testChildSource(['Bench.Probe'], argv))).release();
    const m = pool.snapshot().memory;
    if (m.privateSumKib === 0) throw new Error('memory samples unavailable: cannot size the budget');
    return { privateKib: m.privateSumKib, sharedFileKib: m.sharedFileKib };
  } finally {
    await pool.destroy();
  }
}

/** Replay `trace` against a real pool under `policy`; its figures. */
async function replay(trace: readonly number[], policy: Policy, budgetKib: number, argv: readonly string[]) {
  const sources = new Map<number, ReturnType<typeof testChildSource>>();
  const sourceOf = (k: number) => {
    let s = sources.get(k);
    if (!s) {
      s = testChildSource([`Bench.Key${k}`], argv);
      sources.set(k, s);
    }
    return s;
  };
  const pool = new LeanWorkerPool({
    maxWorkers: MAX_WORKERS,
    maxTotalChildMemoryKib: budgetKib,
    memorySampleIntervalMs: 50,
    queueWaitTimeoutMs: 300_000,
    ...policy.options,
  });
  if (policy.hint) pool.hint(trace.map(sourceOf));
  const waits: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  const watch = new MemoryWatch(pool);
  // Evictions with no choice: the victim was the only idle worker when it was picked.
  const evictions = { total: 0, onlyIdle: 0 };
  const onEviction = (message: unknown) => {
    if ((message as PoolEventPayloads['eviction']).poolId !== pool.id) return;
    evictions.total += 1;
    if (pool.snapshot().idleWorkers <= 1) evictions.onlyIdle += 1;
  };
  diagnosticsChannel.subscribe(channelName('eviction'), onEviction);
  const began = performance.now();
  try {
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (next < trace.length) {
          const i = next++;
          const t = performance.now();
          try {
            const lease = await pool.acquireLease(sourceOf(trace[i] as number));
            waits.push(performance.now() - t);
            try {
              await lease.runJsonCommand(echo, { x: i });
            } finally {
              lease.release();
            }
          } catch (error) {
            const code = error instanceof LeanWorkerError ? error.code : String(error);
            errors.set(code, (errors.get(code) ?? 0) + 1);
          }
        }
      }),
    );
    const peaks = watch.stop();
    const s = pool.snapshot();
    return {
      seconds: (performance.now() - began) / 1000,
      imports: s.coldOpenAttempts + s.spareStarts + s.backgroundReplacements,
      hitRate: s.keyHits / Math.max(1, s.keyHits + s.keyMisses),
      p50WaitMs: percentile(waits, 50),
      p99WaitMs: percentile(waits, 99),
      peakProcKib: peaks.procPrivatePlusSharedKib,
      evictions: s.evictions,
      forcedEvictions: evictions.onlyIdle,
      errors: Object.fromEntries(errors),
    };
  } finally {
    diagnosticsChannel.unsubscribe(channelName('eviction'), onEviction);
    watch.stop();
    await pool.destroy();
  }
}

async function realMode(
  report: BenchReport,
  requests: number,
  keys: number,
  onlyTrace: number | null,
  frontier: boolean,
) {
  const argv = [`--open-kib=${OPEN_KIB}`, `--open-delay-ms=${OPEN_DELAY_MS}`, '--require-session'];
  report.header(
    'imports against the Belady bound, real pool',
    `${requests} json_command requests per trace over ${keys} keys (planner: batches of a generated 400-module project), ` +
      `${CALLERS} callers, maxWorkers ${MAX_WORKERS}, budget for ${SLOTS} workers; fixture child ` +
      `(node ${relativeToRoot(TEST_CHILD)} ${argv.join(' ')}) allocates ${OPEN_KIB / 1024} MiB and waits ${OPEN_DELAY_MS} ms on session open`,
  );
  step('probe worker cost');
  const cost = await probeWorkerCost(argv);
  const budgetKib = Math.round(cost.sharedFileKib + (SLOTS + 0.5) * cost.privateKib);
  report.print(
    `one worker: ${fmt(cost.privateKib / 1024, 1)} MiB private + ${fmt(cost.sharedFileKib / 1024, 1)} MiB shared; budget ${fmt(budgetKib / 1024, 1)} MiB`,
  );
  const rows: string[][] = [
    [
      'trace',
      'policy',
      'imports',
      'Belady',
      'ratio',
      'hit %',
      'p50 ms',
      'p99 ms',
      'peak MiB',
      'budget MiB',
      'evictions',
      'forced',
      's',
      'load',
    ],
  ];
  const results: Record<string, unknown>[] = [];
  const checks: Record<string, ReturnType<typeof check>> = {};
  const all = await traces(requests, keys);
  for (const t of onlyTrace === null ? all : all.slice(onlyTrace, onlyTrace + 1)) {
    const belady = t.trace.length - beladyHits(t.trace, SLOTS);
    let fifoP99 = Number.NaN;
    const policies = [...POLICIES, ...(frontier ? FRONTIER : [])];
    for (const policy of t.planner ? [...policies, HINTED, HINTED_ONE_START] : policies) {
      step(`${t.name}: ${policy.name}`);
      const r = await replay(t.trace, policy, budgetKib, argv);
      if (policy.name === 'FIFO + LRU') fifoP99 = r.p99WaitMs;
      const ratio = r.imports / belady;
      rows.push([
        t.name,
        policy.name,
        String(r.imports),
        String(belady),
        fmt(ratio),
        fmt(r.hitRate * 100, 1),
        fmt(r.p50WaitMs, 0),
        fmt(r.p99WaitMs, 0),
        r.peakProcKib === null ? 'n/a' : fmt(r.peakProcKib / 1024, 1),
        fmt(budgetKib / 1024, 1),
        String(r.evictions),
        String(r.forcedEvictions),
        fmt(r.seconds, 0),
        loadAverage(),
      ]);
      results.push({ trace: t.name, policy: policy.name, belady, ratio, ...r, load: loadAverage() });
      // Each run as it ends (the table follows at the end).
      console.error(`${t.name} / ${policy.name}: ${JSON.stringify(results.at(-1))}`);
      if (r.peakProcKib !== null)
        checks[`${t.name}, ${policy.name}: /proc peak - budget (KiB)`] = check(
          r.peakProcKib - budgetKib,
          '<=',
          0,
        );
      if (policy.name.startsWith('new')) {
        if (t.name === 'Zipf s=1.0' || t.planner)
          checks[`${t.name}, ${policy.name}: imports / Belady`] = check(ratio, '<=', 1.15);
        checks[`${t.name}, ${policy.name}: p99 wait / FIFO+LRU's`] = check(r.p99WaitMs / fifoP99, '<=', 1);
      }
    }
  }
  report.table(rows);
  report.print();
  await report.finish({
    workload: {
      requests,
      keys,
      callers: CALLERS,
      maxWorkers: MAX_WORKERS,
      slots: SLOTS,
      budgetKib,
      openKib: OPEN_KIB,
      openDelayMs: OPEN_DELAY_MS,
    },
    memoryMeasure: MEMORY_MEASURE_TEXT,
    results: { probe: cost, runs: results },
    checks,
    caveats: [
      'Belady is the fewest misses without reordering, with SLOTS warm workers and one request at a time; the pool serves 8 callers at once (leased workers hold slots, and waiters may be reordered), so the ratio compares unlike things in both directions.',
      'Imports count every start: cold opens for callers, spares and background replacements.',
      'The /proc peak is sampled every 20 ms and includes children starting or exiting; a spike between samples can be missed.',
      'The hard budget and the look-ahead are not options: every row runs them; the rows differ in eviction and in waiter order (FIFO + LRU: maxWaiterBypasses 0).',
      'forced: evictions whose victim was the only idle worker when it was picked (the policy had no choice); load: the 1-minute load average when the row finished.',
    ],
  });
}

/** One caller replaying `trace` through the admission code on stub workers. */
async function simulate(trace: readonly number[], options: Record<string, unknown>, hint: boolean) {
  const { admission, starts } = stubAdmission({ maxWorkers: SLOTS, ...options }, 1 << 20);
  const sourceOf = stubSources();
  if (hint) admission.hint(trace.map((k) => `k${k}`));
  const began = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const spent = { hit: 0, hits: 0, miss: 0, misses: 0 };
  for (const k of trace) {
    const t = process.hrtime.bigint();
    const before = starts();
    const worker = await admission.acquire(sourceOf(k), { timeoutMs: 60_000 });
    admission.grant(worker, 10_000).release();
    const ns = Number(process.hrtime.bigint() - t);
    if (starts() === before) {
      spent.hit += ns;
      spent.hits += 1;
    } else {
      spent.miss += ns;
      spent.misses += 1;
    }
  }
  const used = process.cpuUsage(cpu);
  const usPerRequest = Number(process.hrtime.bigint() - began) / 1_000 / trace.length;
  const cpuUsPerRequest = (used.user + used.system) / trace.length;
  await admission.close(0, 'kill');
  const usPerHit = spent.hit / 1_000 / Math.max(1, spent.hits);
  const usPerMiss = spent.miss / 1_000 / Math.max(1, spent.misses);
  return { imports: starts(), usPerRequest, cpuUsPerRequest, usPerHit, usPerMiss };
}

async function simMode(
  report: BenchReport,
  requests: number,
  onlyTrace: number | null,
  seeds: number[] | null,
) {
  if (seeds !== null) {
    report.header('imports against the Belady bound, 8 callers on stub workers', `seeds ${seeds.join(', ')}`);
    const concurrent = await concurrentOnStubs(report, seeds);
    await report.finish({
      workload: { requests: REAL_REQUESTS, slots: SLOTS, callers: CALLERS, seeds },
      memoryMeasure: 'unavailable (stub workers report a fixed size)',
      results: { concurrent },
      caveats: [CONCURRENT_CAVEAT, 'load is the 1-minute load average when the row finished.'],
    });
    return;
  }
  report.header(
    'imports against the Belady bound, admission code on stub workers',
    `${requests.toLocaleString('en-US')} requests per trace, one caller, maxWorkers ${SLOTS} (= Belady's warm slots), no processes`,
  );
  const rows: string[][] = [
    [
      'trace',
      'keys',
      'Belady',
      'lru',
      'cost',
      'cost + hint',
      'cost/Belady',
      'us/request',
      'CPU us/request',
      'us/hit',
      'us/miss',
      'load',
    ],
  ];
  const results: Record<string, unknown>[] = [];
  const decisions: Record<string, number | string>[] = [];
  const all = [
    ...(await traces(requests, 40)),
    { name: `Zipf s=1.0 (${MANY_KEYS} keys)`, trace: zipfTrace(requests, MANY_KEYS, 1, 3), planner: false },
  ];
  const checks: Record<string, ReturnType<typeof check>> = {};
  const big = all.at(-1);
  for (const t of onlyTrace === null ? all : all.slice(onlyTrace, onlyTrace + 1)) {
    step(t.name);
    const keys = new Set(t.trace).size;
    const belady = t.trace.length - beladyHits(t.trace, SLOTS);
    const lru = await simulate(t.trace, { eviction: 'lru' }, false);
    const cost = await simulate(t.trace, { eviction: 'cost' }, false);
    const hinted = await simulate(t.trace, { eviction: 'cost' }, true);
    if (t === big) {
      step(`${t.name}: cost, profiled`);
      const profiled = await profileInside(
        () => simulate(t.trace, { eviction: 'cost' }, false),
        DECISION_FUNCTIONS,
        PROFILE_INTERVAL_US,
      );
      // The profiler slows the run it samples: its share of time, applied to the unprofiled run's CPU.
      const share = profiled.insideUs / Math.max(1, profiled.busyUs);
      const decisionUs = share * cost.cpuUsPerRequest;
      const load = loadAverage();
      decisions.push({ trace: t.name, keys, share, decisionUs, cpuUsPerRequest: cost.cpuUsPerRequest, load });
      report.print(
        `${t.name}, ${keys} distinct keys, cost: the decision (planFor and nextToServe) is ${fmt(share * 100, 1)}% of the sampled time, ` +
          `${fmt(decisionUs, 1)} us of the ${fmt(cost.cpuUsPerRequest, 1)} CPU us per request (load average ${load})`,
      );
      checks[`decision us per request at ${keys} keys (cost)`] = check(decisionUs, '<', 50);
      checks[`CPU us per request at ${keys} keys (cost, whole acquire-grant-release)`] = check(
        cost.cpuUsPerRequest,
        '<',
        50,
      );
    }
    rows.push([
      t.name,
      String(keys),
      String(belady),
      String(lru.imports),
      String(cost.imports),
      String(hinted.imports),
      fmt(cost.imports / belady),
      fmt(cost.usPerRequest, 1),
      fmt(cost.cpuUsPerRequest, 1),
      fmt(cost.usPerHit, 1),
      fmt(cost.usPerMiss, 1),
      loadAverage(),
    ]);
    results.push({ trace: t.name, keys, belady, lru, cost, hinted, load: loadAverage() });
  }
  report.table(rows);
  report.print();
  const concurrent = onlyTrace === null ? await concurrentOnStubs(report, [7]) : [];
  await report.finish({
    workload: { requests, slots: SLOTS, callers: 1 },
    memoryMeasure: 'unavailable (stub workers report a fixed 1 GiB)',
    results: { runs: results, decisions, concurrent },
    checks,
    caveats: [
      'us/request is the whole acquire, grant and release through the admission code (promises, stub starts and shutdowns included) in wall time, CPU us/request the same in process CPU time (less sensitive to a loaded machine); us/hit and us/miss split the wall time by whether the request started a worker (a miss also pays for the eviction, the stub start and its shutdown, the release that follows a miss also reaps). The decision alone is a part of each.',
      `The last trace draws ${MANY_KEYS.toLocaleString('en-US')} keys Zipf(1); the distinct keys it reaches are printed (over 10,000 at 100,000 requests).`,
      `The decision figure: one more cost run of the last trace under V8's sampling profiler (every ${PROFILE_INTERVAL_US} us) gives the share of sampled time with planFor or nextToServe (planning an acquire, picking the next waiter) on the stack; that share of the unprofiled run's CPU us/request is the decision's cost per request. It is sampled, not timed call by call, and the profiler's own cost may not fall evenly on every function.`,
      'load is the 1-minute load average when the row finished.',
      'With one caller nothing is reordered, so the pool can do no better than Belady here.',
      `The second table: ${CONCURRENT_CAVEAT}`,
    ],
  });
}

/** The real replay's request count and stub open time of the concurrent stub replay. */
const REAL_REQUESTS = 300;
const STUB_OPEN_MS = 30;
const CONCURRENT_CAVEAT = `the real replay's traces (${REAL_REQUESTS} requests, 20 keys) replayed with ${CALLERS} callers at once on stub workers whose open is a ${STUB_OPEN_MS} ms timer (no CPU), each lease held one 1 ms timer, maxWorkers ${MAX_WORKERS}, a budget for ${SLOTS} workers, on a virtual clock (time jumps to the next timer once every promise has settled): scheduling without process start-up noise or the machine's load, the same figures on every run. Waits and seconds are virtual.`;

/**
 * The real replay's shape (8 callers, a budget for 3 workers) on stub workers, per policy, on the
 * Zipf s=1 and planner traces drawn with each of `seeds`.
 */
async function concurrentOnStubs(report: BenchReport, seeds: readonly number[]) {
  const shape = { callers: CALLERS, maxWorkers: MAX_WORKERS, slots: SLOTS, openMs: STUB_OPEN_MS };
  const chosen = [];
  for (const seed of seeds) {
    const all = await traces(REAL_REQUESTS, 20, seed);
    chosen.push(...[all[1], all[4]].filter((t) => t !== undefined));
  }
  const rows: string[][] = [['trace', 'policy', 'imports', 'Belady', 'ratio', 'p99 wait ms', 's', 'load']];
  const out: Record<string, unknown>[] = [];
  for (const t of chosen) {
    const belady = t.trace.length - beladyHits(t.trace, SLOTS);
    for (const policy of [...POLICIES, ...FRONTIER, HINTED, HINTED_ONE_START]) {
      step(`${CALLERS} callers on stubs, ${t.name}: ${policy.name}`);
      const r = await replayOnStubs(t.trace, shape, { ...policy.options }, policy.hint === true, true);
      const load = loadAverage();
      rows.push([
        t.name,
        policy.name,
        String(r.imports),
        String(belady),
        fmt(r.imports / belady),
        fmt(r.p99WaitMs, 0),
        fmt(r.seconds, 1),
        load,
      ]);
      out.push({ trace: t.name, policy: policy.name, belady, ...r, load });
    }
  }
  report.print(
    `${CALLERS} callers at once on stub workers (${STUB_OPEN_MS} ms opens, virtual clock), the real replay's traces:`,
  );
  report.table(rows);
  report.print();
  return out;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const sim = args.argv.includes('--sim');
  const report = new BenchReport(sim ? 'imports-sim' : 'imports', import.meta.filename, args);
  const requests =
    numberArg(args.argv, 'requests') ??
    (sim ? (args.smoke ? 2_000 : 100_000) : args.smoke ? 24 : args.quick ? 80 : 300);
  const seedsAt = args.argv.indexOf('--seeds');
  const seeds =
    seedsAt >= 0
      ? String(args.argv[seedsAt + 1] ?? '')
          .split(',')
          .map(Number)
      : null;
  if (seeds?.some((s) => !Number.isInteger(s))) throw new Error('--seeds takes integers: --seeds 7,11,13');
  if (seeds && !sim) throw new Error('--seeds applies to the stub replay: --sim --seeds 7,11,13');
  if (sim) await simMode(report, requests, numberArg(args.argv, 'only-trace'), seeds);
  else {
    const frontier = args.argv.includes('--frontier');
    await realMode(report, requests, args.smoke ? 6 : 20, numberArg(args.argv, 'only-trace'), frontier);
  }
}

// Real runs start hundreds of children: allow 90 minutes (smoke and quick runs 20).
runMain(main, (process.argv.includes('--quick') || process.argv.includes('--smoke') ? 20 : 90) * 60_000);
