/**
 * Planner benchmark: plans a generated Mathlib-shaped Lake project (default 5,000 modules) with
 * per-module header imports and content hashing, sequentially and on piscina threads, and
 * optionally sweeps tree sizes to locate the sequential/parallel crossover of the source scan.
 *
 * `node dist/bench/planner.js [--modules 5000] [--runs 5] [--crossover]`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateMathlibShaped } from '../fixtures/lake/generate-mathlib-shaped.js';
import { discoverLakeProject } from '../src/lake/discover.js';
import { PARALLEL_SCAN_THRESHOLD, scanSources } from '../src/lake/scan.js';
import { LeanWorkerImportPlanner } from '../src/planner/planner.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const modules = flag('--modules', 5000);
const runs = flag('--runs', 5);
const crossover = args.includes('--crossover');
const packageRoot = path.resolve(import.meta.dirname, '..', '..');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timePlan(
  root: string,
  parallel: 'never' | 'always',
): Promise<{ ms: number[]; batches: number; modules: number }> {
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
      parallel,
    });
    const t = performance.now();
    const plan = await planner.planLakeProject();
    ms.push(performance.now() - t);
    batches = plan.length;
    count = plan.reduce((n, b) => n + b.modules.length, 0);
  }
  return { ms, batches, modules: count };
}

const genRoot = path.join(packageRoot, 'fixtures', 'generated');
const root = path.join(genRoot, `bench-planner-${modules}`);
await generateMathlibShaped({ dir: root, modules });
const sequential = await timePlan(root, 'never');
const parallel = await timePlan(root, 'always');

const sweep: Array<{ files: number; sequentialMs: number; parallelMs: number }> = [];
if (crossover) {
  for (const size of [250, 1000, 2000, 3000, 5000, 10000]) {
    const dir = path.join(genRoot, `bench-crossover-${size}`);
    await generateMathlibShaped({ dir, modules: size });
    const files = (await discoverLakeProject({ root: dir })).modules.map((m) => m.path);
    const seq: number[] = [];
    const par: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      await scanSources(files, { headers: true, hash: true, parallel: 'never' });
      seq.push(performance.now() - t);
      t = performance.now();
      await scanSources(files, { headers: true, hash: true, parallel: 'always' });
      par.push(performance.now() - t);
    }
    sweep.push({ files: files.length, sequentialMs: median(seq), parallelMs: median(par) });
  }
}

const result = {
  workload: `plan a generated Mathlib-shaped Lake project of ${modules} modules (+ root module): discovery, per-module header imports, SHA-256 of every source`,
  command: `node dist/bench/planner.js ${args.join(' ')}`.trim(),
  platform: {
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    arch: process.arch,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
  },
  modules: sequential.modules,
  batches: sequential.batches,
  runs,
  sequential: { medianMs: median(sequential.ms), runsMs: sequential.ms },
  parallel: { medianMs: median(parallel.ms), runsMs: parallel.ms },
  autoThresholdFiles: PARALLEL_SCAN_THRESHOLD,
  crossover: sweep,
  memory: 'unavailable (not measured by this benchmark)',
  caveats: [
    'page cache warm after the first run; the first run includes cold reads',
    'piscina timings include creating and destroying the thread pool on every plan',
    'target: under 2000 ms for 5000 modules',
  ],
};
for (const line of [
  `workload: ${result.workload}`,
  `command:  ${result.command}`,
  `platform: ${result.platform.os} ${result.platform.arch}, ${result.platform.cpus} cpus, Node ${result.platform.node}`,
  `modules:  ${result.modules} in ${result.batches} batches`,
  `sequential: median ${result.sequential.medianMs.toFixed(1)} ms over ${runs} runs`,
  `piscina:    median ${result.parallel.medianMs.toFixed(1)} ms over ${runs} runs`,
  ...sweep.map(
    (s) =>
      `scan ${s.files} files: sequential ${s.sequentialMs.toFixed(1)} ms, piscina ${s.parallelMs.toFixed(1)} ms`,
  ),
]) {
  process.stdout.write(`${line}\n`);
}
const outDir = path.join(packageRoot, 'bench', 'results');
await mkdir(outDir, { recursive: true });
const outFile = path.join(outDir, `planner-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`result:   ${outFile}\n`);
