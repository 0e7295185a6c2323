/**
 * Planner benchmark: plans a generated Mathlib-shaped Lake project (default 5,000 modules) with
 * per-module header imports and content hashing. Generated projects go to a temporary directory,
 * removed at the end. Then hostile inputs: peak memory of the planner and of `pool.check` on a
 * huge `lakefile.lean` (default 50 MB), and planning time on a very large tree (default 200,000
 * modules).
 *
 *   node dist/bench/planner.js [--quick | --smoke] [--modules 5000] [--runs 5]
 *     [--lakefile-mb 50] [--tree-modules 200000] [--out DIR]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateMathlibShaped } from '../demo/lake/generate-mathlib-shaped.js';
import { LeanWorkerImportPlanner } from '../src/planner/planner.js';
import { BenchReport, benchArgs, check, runMain, step } from './lib/report.js';
import { fmt, fmtInt, median } from './lib/stats.js';
import { bigTreeTimes, hugeLakefileMemory } from './planner-hostile.js';

async function timePlan(root: string, runs: number) {
  const ms: number[] = [];
  let batches = 0;
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const planner = new LeanWorkerImportPlanner({
      projectRoot: root,
      package: 'mathlib',
      libName: 'Mathlib',
      importsFrom: 'header',
      contentHash: true,
    });
    const t = performance.now();
    const plan = await planner.planLakeProject();
    ms.push(performance.now() - t);
    batches = plan.length;
    count = plan.reduce((n, b) => n + b.modules.length, 0);
  }
  return { medianMs: median(ms), runsMs: ms, batches, modules: count };
}

async function main(): Promise<void> {
  const args = benchArgs();
  const flag = (name: string, fallback: number): number => {
    const i = args.argv.indexOf(name);
    return i >= 0 ? Number(args.argv[i + 1]) : fallback;
  };
  const modules = flag('--modules', args.smoke ? 200 : 5000);
  const runs = flag('--runs', args.quick ? 1 : 5);
  const report = new BenchReport('planner', import.meta.filename, args);
  report.header(
    'import planning of a generated Mathlib-shaped Lake project',
    `${modules} modules (+ root module): discovery, per-module header imports, SHA-256 of every source; median of ${runs} runs`,
  );
  const work = await mkdtemp(path.join(os.tmpdir(), 'lwp-bench-planner-'));
  let sequential: Awaited<ReturnType<typeof timePlan>>;
  try {
    const root = path.join(work, `planner-${modules}`);
    await generateMathlibShaped({ dir: root, modules });
    sequential = await timePlan(root, runs);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const lakefileMb = flag('--lakefile-mb', args.smoke ? 1 : args.quick ? 5 : 50);
  const treeModules = flag('--tree-modules', args.smoke ? 2_000 : args.quick ? 20_000 : 200_000);
  step(`memory on a ${lakefileMb} MB lakefile.lean`);
  const lakefile = await hugeLakefileMemory(lakefileMb * 1_000_000);
  step(`planning a ${treeModules}-module tree`);
  const tree = await bigTreeTimes(treeModules);
  report.print(`${sequential.modules} modules in ${sequential.batches} batches`);
  report.print(
    `plan:       median ${fmt(sequential.medianMs, 1)} ms (runs ${sequential.runsMs.map((x) => fmt(x, 0)).join(', ')})`,
  );
  report.print();
  report.print(
    `${lakefileMb} MB lakefile.lean, peak RSS of a fresh process per workload (baseline: loading only, ${fmtInt(lakefile.baseline.maxRssKib / 1024)} MiB):`,
  );
  report.table([
    ['workload', 'outcome', 'ms', 'peak RSS MiB', 'over baseline MiB'],
    ...lakefile.runs.map((r) => [
      r.workload,
      r.outcome,
      fmt(r.elapsedMs, 0),
      fmt(r.maxRssKib / 1024, 1),
      fmt((r.maxRssKib - lakefile.baseline.maxRssKib) / 1024, 1),
    ]),
  ]);
  report.print();
  report.print(
    `${fmtInt(tree.modules)}-module tree (generated in ${fmt(tree.generateMs / 1000, 1)} s): discovery ${fmt(tree.discoverMs, 0)} ms; ` +
      `plan with header imports and SHA-256: ${fmt(tree.plan.ms, 0)} ms (${fmtInt(tree.plan.batches)} batches)`,
  );
  report.print();
  await report.finish({
    workload: {
      modules,
      runs,
      importsFrom: 'header',
      contentHash: true,
      hugeLakefileBytes: lakefileMb * 1_000_000,
      treeModules,
    },
    memoryMeasure:
      'peak RSS (resourceUsage().maxRSS) of a fresh process per huge-lakefile workload; none for the timing runs',
    results: {
      sequential,
      hugeLakefile: lakefile,
      bigTree: tree,
    },
    checks:
      modules === 5000
        ? { 'plan 5,000 modules, sequential (ms)': check(sequential.medianMs, '<', 2000) }
        : {},
    caveats: [
      'The page cache is warm after the first run; the first run includes cold reads.',
      'Peak RSS includes the Node runtime; the baseline process loads the same modules and does nothing else.',
      'The big tree is written just before it is planned, so its files are in the page cache.',
    ],
  });
}

runMain(main);
