/**
 * Memory scheduling workloads on the test fixture child, whose session open allocates real memory:
 *
 *   import reuse       one session key, N requests: a warm worker reused vs a fresh child per
 *                      request (maxRequests 1);
 *   fallback imports   a generated Mathlib-shaped Lake project planned with fallback (base)
 *                      imports (one session key) vs per-module header imports (many keys);
 *   cycle/reuse        acquire, request, explicit cycle, repeated: memory returns each time;
 *   policy cycles      one caller, one key, workers cycled by `maxRequests`: imports a caller
 *                      waits for with no background help, with background replacement, and with
 *                      a spare (`bench/lib/policy-cycles.ts`);
 *   budget admission   four keys at once under a budget for two workers, without and with
 *                      waiting.
 *
 * Each reports elapsed time, pool counters and peak memory by measure. The generated project goes
 * to a temporary directory, removed at the end.
 *
 *   node dist/bench/memory.js [--quick | --smoke] [--out DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateMathlibShaped, standInSysroot } from '../demo/lake/generate-mathlib-shaped.js';
import {
  LeanWorkerError,
  LeanWorkerImportPlanner,
  LeanWorkerPool,
  type LeanWorkerPoolOptions,
} from '../src/index.js';
import { echo, relativeToRoot, TEST_CHILD, testChildSource } from './lib/fixtures.js';
import { describePeaks, MEMORY_MEASURE_TEXT, type MemoryPeaks, MemoryWatch } from './lib/memory-watch.js';
import { CYCLE_HOLD_MS, type CycleFigures, cycleCases, runCycles } from './lib/policy-cycles.js';
import { BenchReport, benchArgs, check, runMain, step } from './lib/report.js';
import { fmt } from './lib/stats.js';

const OPEN_KIB = 24 * 1024;
/** Like the Rust child, every export needs an open session, so a new generation reopens it. */
const CHILD_ARGS = [`--open-kib=${OPEN_KIB}`, '--require-session'];
/** The policy-cycle workload's session open also waits, so an import a caller waits for shows in time. */
const CYCLE_OPEN_DELAY_MS = 200;

interface Outcome {
  readonly name: string;
  readonly seconds: number;
  readonly counters: Record<string, unknown>;
  readonly peaks: MemoryPeaks;
  readonly detail?: Record<string, unknown>;
}

/** Run `work` on a fresh pool, watching memory; the pool is destroyed afterwards. */
async function workload(
  name: string,
  options: LeanWorkerPoolOptions,
  work: (pool: LeanWorkerPool) => Promise<Record<string, unknown> | undefined>,
): Promise<Outcome> {
  step(name);
  const pool = new LeanWorkerPool({ memorySampleIntervalMs: 50, ...options });
  const watch = new MemoryWatch(pool);
  const t0 = performance.now();
  try {
    const detail = await work(pool);
    const seconds = (performance.now() - t0) / 1000;
    const s = pool.snapshot();
    const counters = {
      requests: s.requests,
      coldOpenAdmitted: s.coldOpenAdmitted,
      keyHits: s.keyHits,
      keyMisses: s.keyMisses,
      evictions: s.evictions,
      policyRestarts: s.policyRestarts,
      memoryBudgetRejections: s.memoryBudgetRejections,
      coldOpenRefusals: s.coldOpenRefusals,
    };
    return { name, seconds, counters, peaks: watch.stop(), ...(detail ? { detail } : {}) };
  } finally {
    watch.stop();
    await pool.destroy();
  }
}

async function requestsOn(pool: LeanWorkerPool, source: ReturnType<typeof testChildSource>, n: number) {
  for (let i = 0; i < n; i++) {
    await pool.withLease(source, (lease) => lease.runJsonCommand(echo, { x: i }));
  }
}

async function fallbackImports(modules: number): Promise<Outcome[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-bench-memory-'));
  try {
    return await plannedImports(dir, modules);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Plan the generated project in `dir` with fallback and with header imports; run each plan. */
async function plannedImports(dir: string, modules: number): Promise<Outcome[]> {
  await generateMathlibShaped({ dir, modules });
  const out: Outcome[] = [];
  for (const importsFrom of ['base', 'header'] as const) {
    const planner = new LeanWorkerImportPlanner({
      projectRoot: dir,
      package: 'mathlib',
      libName: 'Mathlib',
      baseImports: ['Mathlib.Init'],
      importsFrom,
    });
    const batches = await planner.planLakeProject();
    out.push(
      await workload(
        `fallback imports: ${importsFrom === 'base' ? 'fallback (base) imports' : 'header imports'}`,
        { maxWorkers: 2 },
        async (pool) => {
          for (const batch of batches) {
            // The generated project holds a stand-in library and toolchain: a manifest declaring `echo`.
            const source = batch.capabilityBuilder({
              skipBuild: true,
              leanSysroot: standInSysroot(batch.projectRoot),
              exports: { echo: 'json' },
              worker: { command: process.execPath, args: [TEST_CHILD, ...CHILD_ARGS] },
            });
            await pool.withLease(source, async (lease) => {
              for (let i = 0; i < batch.modules.length; i++) await lease.runJsonCommand(echo, { x: i });
            });
          }
          return { importsFrom, modules, batches: batches.length };
        },
      ),
    );
  }
  return out;
}

/**
 * One key is opened first so the pool has learned a worker's cost; then four other keys ask at
 * once and hold their lease for 200 ms.
 */
async function budgetAdmission(): Promise<Outcome[]> {
  const probe = new LeanWorkerPool({ maxWorkers: 1 });
  (await probe.acquireLease(testChildSource(['Bench.Probe'], CHILD_ARGS))).release();
  const one = probe.snapshot().memory;
  await probe.destroy();
  const budgetKib = Math.round(one.sharedFileKib + 2.5 * one.privateSumKib);
  const out: Outcome[] = [];
  for (const timeoutMs of [0, 30_000]) {
    out.push(
      await workload(
        `budget admission: 1 key learned, then 4 keys at once, budget for 2 workers, ${timeoutMs === 0 ? 'no waiting' : 'waiting allowed'}`,
        { maxWorkers: 4, maxTotalChildMemoryKib: budgetKib },
        async (pool) => {
          (await pool.acquireLease(testChildSource(['Bench.Budget'], CHILD_ARGS))).release();
          const codes = await Promise.all(
            [0, 1, 2, 3].map(async (k) => {
              try {
                const lease = await pool.acquireLease(testChildSource([`Bench.Budget${k}`], CHILD_ARGS), {
                  timeoutMs,
                });
                await lease.runJsonCommand(echo, { x: k });
                await new Promise((resolve) => setTimeout(resolve, 200));
                lease.release();
                return 'served';
              } catch (error) {
                return error instanceof LeanWorkerError ? error.code : String(error);
              }
            }),
          );
          return { budgetKib, oneWorkerPrivateKib: one.privateSumKib, outcomes: codes };
        },
      ),
    );
  }
  return out;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('memory', import.meta.filename, args);
  const n = args.smoke ? 2 : args.quick ? 2 : 30;
  const modules = args.smoke ? 6 : args.quick ? 8 : 128;
  report.header(
    'memory scheduling workloads',
    `test fixture child (node ${relativeToRoot(TEST_CHILD)} ${CHILD_ARGS.join(' ')}: ${OPEN_KIB / 1024} MiB allocated on session open); ` +
      `${n} requests for reuse and cycling; a ${modules}-module generated Mathlib-shaped project`,
  );
  const key = ['Bench.Reuse'];
  const outcomes: Outcome[] = [];
  outcomes.push(
    await workload('import reuse: warm worker', { maxWorkers: 1 }, async (pool) => {
      await requestsOn(pool, testChildSource(key, CHILD_ARGS), n);
      return undefined;
    }),
    await workload(
      'import reuse: fresh child per request (maxRequests 1)',
      // Policy cycles count toward restart intensity; this workload measures reuse, not that limit.
      { maxWorkers: 1, policy: { maxRequests: 1, maxRestarts: 10_000 } },
      async (pool) => {
        await requestsOn(pool, testChildSource(key, CHILD_ARGS), n);
        return undefined;
      },
    ),
  );
  outcomes.push(...(await fallbackImports(modules)));
  outcomes.push(
    await workload(
      'cycle/reuse: acquire, request, cycle, repeated',
      // Explicit cycles count toward restart intensity; this workload measures reuse, not that limit.
      { maxWorkers: 1, policy: { maxRestarts: 10_000 } },
      async (pool) => {
        const source = testChildSource(['Bench.Cycle'], CHILD_ARGS);
        const privateAfterOpen: number[] = [];
        for (let i = 0; i < n; i++) {
          const lease = await pool.acquireLease(source);
          await lease.runJsonCommand(echo, { x: i });
          privateAfterOpen.push(pool.snapshot().memory.privateSumKib);
          await lease.cycle();
          lease.release();
        }
        return { poolPrivateKibAfterEachRequest: privateAfterOpen };
      },
    ),
  );
  const cycleArgs = [...CHILD_ARGS, `--open-delay-ms=${CYCLE_OPEN_DELAY_MS}`];
  const cycleRequests = args.smoke ? 6 : args.quick ? 36 : 80;
  const cycles: { name: string; maxRequests: number; checked: boolean; figures: CycleFigures }[] = [];
  for (const c of cycleCases()) {
    const name = `policy cycles: ${c.name}`;
    const outcome = await workload(name, c.options, async (pool) => {
      const figures = await runCycles(pool, cycleArgs, CYCLE_OPEN_DELAY_MS, cycleRequests);
      cycles.push({ name: c.name, maxRequests: c.maxRequests, checked: c.checked, figures });
      return { ...figures };
    });
    outcomes.push(outcome);
  }
  outcomes.push(...(await budgetAdmission()));

  report.table([
    [
      'workload',
      's',
      'requests',
      'cold opens',
      'hits',
      'evictions',
      'restarts',
      'budget refusals',
      'peak decision MiB',
      'peak /proc private MiB',
    ],
    ...outcomes.map((o) => [
      o.name,
      fmt(o.seconds),
      String(o.counters.requests),
      String(o.counters.coldOpenAdmitted),
      String(o.counters.keyHits),
      String(o.counters.evictions),
      String(o.counters.policyRestarts),
      String(o.counters.memoryBudgetRejections),
      fmt(o.peaks.poolDecisionTotalKib / 1024, 1),
      o.peaks.procPrivateKib === null ? 'unavailable' : fmt(o.peaks.procPrivateKib / 1024, 1),
    ]),
  ]);
  report.print();
  for (const o of outcomes) {
    report.print(`  ${o.name}:`);
    report.print(`    ${describePeaks(o.peaks)}`);
    if (o.detail) report.print(`    ${JSON.stringify(o.detail)}`);
  }
  report.print(
    `policy cycles: ${cycleRequests} leases of one key, one caller, each held ${CYCLE_HOLD_MS} ms after its request; ` +
      `maxWorkers 3; every session open waits ${CYCLE_OPEN_DELAY_MS} ms (load average ${loadAverage()})`,
  );
  report.table([
    [
      'configuration',
      'maxRequests',
      'imports',
      'background starts',
      'used',
      'cycles in place',
      'caller imports',
      'slow acquires',
      'max acquire ms',
    ],
    ...cycles.map(({ name, maxRequests, figures: f }) => [
      name,
      String(maxRequests),
      String(f.imports),
      String(f.backgroundStarts),
      String(f.backgroundStartsUsed),
      String(f.policyRestarts),
      String(f.callerCycleImports),
      String(f.slowAcquires),
      fmt(f.maxAcquireMs, 0),
    ]),
  ]);
  report.print();
  const spared = cycles.find((c) => c.checked)?.figures;
  const checks: Record<string, ReturnType<typeof check>> = spared
    ? {
        "policy cycles with spares: imports in callers' path": check(spared.callerCycleImports, '<=', 0),
        'policy cycles with spares: acquires >= half an open': check(spared.slowAcquires, '<=', 0),
      }
    : {};
  await report.finish({
    workload: {
      child: relativeToRoot(TEST_CHILD),
      openKib: OPEN_KIB,
      requests: n,
      generatedModules: modules,
    },
    memoryMeasure: MEMORY_MEASURE_TEXT,
    results: { workloads: outcomes },
    checks,
    caveats: [
      'Policy cycles: "caller imports" are session opens answered with an import, less background starts (one each) and the first cold open; "slow acquires" are acquires after the first that took at least half an open, which also counts a caller that waited for part of a background start.',
      'The fixture child stands in for Lean: its session open allocates and touches memory (RssAnon) but maps no .olean files, so shared file pages here are the Node binary and libraries, not a Mathlib image.',
      'Peaks come from 20 ms samples; the pool samples each child every 50 ms.',
      'Requests are json_command echoes: the figures are scheduling and memory, not Lean work.',
    ],
  });
}

/** The 1-minute load average, printed beside the figures (the machine may be shared). */
function loadAverage(): string {
  return fmt(os.loadavg()[0] ?? Number.NaN, 2);
}

runMain(main);
