/**
 * Hostile inputs for the planner benchmark: peak memory of the planner and of `pool.check` on a
 * huge `lakefile.lean` (each workload in a fresh process, against a process that only loads the
 * modules), and planning time on a tree of a very large number of modules. Inputs are generated
 * into a temporary directory and deleted afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { discoverLakeProject } from '../src/lake/discover.js';
import { DEFAULT_MAX_PROJECT_FILE_BYTES } from '../src/lake/read-file.js';
import { LeanWorkerImportPlanner } from '../src/planner/planner.js';

/** Lines a hostile lakefile repeats: code, symbol runs and comments the reader skips. */
const FILLER = [
  'def helper (n : Nat) : Nat := (n + 1) * (n - 2) / 3 % 4 -- arithmetic\n',
  'theorem t_0 : ∀ x : Nat, x + 0 = x := by intro x; simp [Nat.add_zero]\n',
  '#eval [1, 2, 3].map (· * 2) |>.foldl (· + ·) 0 <|> pure 0 >>= fun _ => ()\n',
  '  +-*/%^&|<>=!?~;.+-*/%^&|<>=!?~;.+-*/%^&|<>=!?~;.+-*/%^&|<>=!?~;.\n',
  '/- a block comment /- nested -/ still a comment -/\n',
].join('');

/** Write a project whose `lakefile.lean` is `bytes` long (a package, one library, filler). */
export function writeHugeLakefileProject(dir: string, bytes: number): void {
  mkdirSync(dir, { recursive: true });
  const head = 'import Lake\nopen Lake DSL\n\npackage big\n\nlean_lib Big\n\n';
  const copies = Math.max(0, Math.ceil((bytes - head.length) / FILLER.length));
  writeFileSync(path.join(dir, 'lakefile.lean'), head + FILLER.repeat(copies));
  writeFileSync(path.join(dir, 'Big.lean'), 'def big := 1\n');
}

/** Write a `lean_lib Big` tree of `modules` modules, 200 to a directory, each importing a neighbour. */
export function writeModuleTree(dir: string, modules: number): void {
  writeFileSync(path.join(dir, 'lakefile.toml'), 'name = "big"\n\n[[lean_lib]]\nname = "Big"\n');
  writeFileSync(path.join(dir, 'Big.lean'), 'import Big.D0.M0\n');
  for (let i = 0; i < modules; i++) {
    const d = Math.floor(i / 200);
    const m = i % 200;
    if (m === 0) mkdirSync(path.join(dir, 'Big', `D${d}`), { recursive: true });
    const header = m === 0 ? '' : `import Big.D${d}.M0\nimport Big.D${d % 7}.M0\n`;
    writeFileSync(path.join(dir, 'Big', `D${d}`, `M${m}.lean`), `${header}\ndef m${i} := ${i}\n`);
  }
}

/** One probe run's figures. */
export interface ProbeResult {
  readonly workload: string;
  readonly outcome: string;
  readonly elapsedMs: number;
  readonly maxRssKib: number;
}

function probe(args: readonly string[]): Promise<ProbeResult> {
  const script = path.join(import.meta.dirname, 'lib', 'planner-probe.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script, ...args],
      { maxBuffer: 1 << 20, timeout: 600_000 },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as ProbeResult)),
    );
  });
}

/** Peak memory of each workload on a `bytes`-long lakefile; the baseline is a process that only loads. */
export async function hugeLakefileMemory(
  bytes: number,
): Promise<{ baseline: ProbeResult; runs: ProbeResult[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-bench-lakefile-'));
  try {
    writeHugeLakefileProject(dir, bytes);
    const baseline = await probe(['baseline', dir]);
    const raised = String(bytes + (1 << 20));
    const runs = [
      {
        ...(await probe(['plan', dir])),
        workload: `plan (cap ${DEFAULT_MAX_PROJECT_FILE_BYTES / 2 ** 20} MiB)`,
      },
      { ...(await probe(['check', dir])), workload: 'pool.check (cap 4 MiB)' },
      { ...(await probe(['plan', dir, raised])), workload: 'plan, cap raised above the file' },
      { ...(await probe(['parse', dir])), workload: 'lakefile parse alone (no cap)' },
    ];
    return { baseline, runs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Wall time of discovery alone and of a header-import, content-hashed plan on a generated tree. */
export async function bigTreeTimes(modules: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-bench-tree-'));
  try {
    let t = performance.now();
    writeModuleTree(dir, modules);
    const generateMs = performance.now() - t;
    t = performance.now();
    const project = await discoverLakeProject({ root: dir });
    const discoverMs = performance.now() - t;
    const planner = new LeanWorkerImportPlanner({
      projectRoot: dir,
      package: 'big',
      libName: 'Big',
      importsFrom: 'header',
      contentHash: true,
    });
    t = performance.now();
    const batches = await planner.planLakeProject();
    const plan = { ms: performance.now() - t, batches: batches.length };
    return { modules: project.modules.length, generateMs, discoverMs, plan };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
