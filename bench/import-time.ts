/**
 * Import time of the package's entries in fresh processes, against zod alone (the peer every
 * user loads anyway), and the start of a child-kit child:
 *
 *   zod                    `await import('zod')`
 *   lean-worker-pool       `await import('lean-worker-pool')` (the built package entry)
 *   lean-worker-pool/child `await import('lean-worker-pool/child')`
 *   package build          `await import()` of the entry of the package build (`npm run
 *                          build:package`: minified, what `npm install` gives a user), built
 *                          into a temporary folder first (`--no-package-build` skips it)
 *   child start            spawn of a child-kit child (`dist/fixtures/children/fast-rows.js
 *                          --lenient`) to the first byte of its handshake on stdout
 *
 * Each sample is a new `node` process; the cases are interleaved (one of each per round) so a
 * change in machine load falls on all of them. The timed span is the `import()` alone, measured
 * inside the process with `performance.now()`; Node's own start is not in it. One more process
 * per entry counts the modules it loads (a module hook), untimed: the package's own are bundle
 * files (`scripts/bundle.mjs`), each holding many source modules. `--entry FILE` (repeatable)
 * adds another built entry to the same interleaved rounds, e.g. the package build
 * (`npm run build:package`, minified) or an older build to compare with.
 *
 *   node dist/bench/import-time.js [--quick | --smoke] [--runs 15] [--no-package-build] [--entry FILE]...
 *                                  [--out DIR]
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadedModuleUrls, MODULE_LOAD_HOOK } from './lib/module-load.js';
import { BenchReport, benchArgs, check, PACKAGE_ROOT, runMain, step } from './lib/report.js';
import { fmt, median } from './lib/stats.js';

/** The allowance over zod alone the package's main entry is held to. */
const TARGET_OVER_ZOD_MS = 40;

interface ImportCase {
  readonly label: string;
  readonly specifier: string;
}

/**
 * The package build (`scripts/build-package.mjs`, minified) in a temporary folder beside a copy
 * of package.json and a link to this checkout's node_modules (for zod); returns the folder.
 */
function buildPackage(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-import-time-'));
  const run = spawnSync(process.execPath, ['scripts/build-package.mjs', path.join(dir, 'dist')], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) throw new Error(`package build failed: ${run.stderr}${run.stdout}`);
  copyFileSync(path.join(PACKAGE_ROOT, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Milliseconds `import(url)` took in a fresh process: elapsed, and the process's CPU time in it. */
function timeImport(url: string): { wall: number; cpu: number } {
  const code =
    `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(url)}); ` +
    'const wall = performance.now() - t; const u = process.cpuUsage(c); ' +
    'process.stdout.write(JSON.stringify({ wall, cpu: (u.user + u.system) / 1000 }));';
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`import of ${url} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { wall: number; cpu: number };
}

/** The modules (outside Node's builtins) a fresh process loads for `import(url)`. */
function modulesLoaded(url: string): string[] {
  const code = `import { register } from 'node:module'; register(${JSON.stringify(MODULE_LOAD_HOOK)}); await import(${JSON.stringify(url)});`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`import of ${url} failed: ${run.stderr}`);
  return loadedModuleUrls(run.stderr);
}

/** Milliseconds from spawning a child-kit child to the first byte it writes (its handshake). */
function timeChildStart(script: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(process.execPath, [script, '--lenient'], { stdio: ['pipe', 'pipe', 'ignore'] });
    child.once('error', reject);
    child.stdout.once('data', () => {
      const elapsed = performance.now() - began;
      child.once('exit', () => resolve(elapsed));
      child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) => {
      if (child.stdout.readableLength === 0 && code !== null) {
        reject(new Error(`child exited (${code ?? signal}) before its handshake`));
      }
    });
  });
}

/** Where a package modules' URL points, relative to the package root when inside it. */
function where(url: string): string {
  const file = new URL(url).pathname;
  return file.startsWith(PACKAGE_ROOT) ? path.relative(PACKAGE_ROOT, file) : file;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const at = args.argv.indexOf('--runs');
  const runs = at >= 0 ? Number(args.argv[at + 1]) : args.smoke ? 2 : args.quick ? 7 : 15;
  const cases: ImportCase[] = [
    { label: "import('zod')", specifier: 'zod' },
    { label: "import('lean-worker-pool')", specifier: 'lean-worker-pool' },
    { label: "import('lean-worker-pool/child')", specifier: 'lean-worker-pool/child' },
  ];
  // The package resolves itself by name (package.json `exports`), as a user's import would.
  const urls = cases.map((c) => import.meta.resolve(c.specifier));
  const packageDir = args.smoke || args.argv.includes('--no-package-build') ? null : buildPackage();
  if (packageDir !== null) {
    const entry = path.join(packageDir, 'dist', 'src', 'index.js');
    cases.push({ label: 'lean-worker-pool, package build (minified)', specifier: entry });
    urls.push(pathToFileURL(entry).href);
  }
  args.argv.forEach((a, i) => {
    const file = args.argv[i + 1];
    if (a !== '--entry' || file === undefined) return;
    cases.push({ label: `import('${file}')`, specifier: file });
    urls.push(pathToFileURL(path.resolve(file)).href);
  });
  const childScript = path.join(PACKAGE_ROOT, 'dist', 'fixtures', 'children', 'fast-rows.js');
  const report = new BenchReport('import-time', import.meta.filename, args);
  report.header(
    'import time of the package entries in fresh processes, against zod alone; child-kit child start',
    `${runs} rounds, interleaved; each round one fresh process per import and one child start`,
  );
  const samples: number[][] = cases.map(() => []);
  /** CPU milliseconds of the same imports: what a busy machine stretches least (no wait for a core). */
  const cpuSamples: number[][] = cases.map(() => []);
  const childStart: number[] = [];
  let modules: string[][];
  try {
    for (let round = 0; round < runs; round++) {
      step(`round ${round + 1} of ${runs}`);
      cases.forEach((_, i) => {
        const { wall, cpu } = timeImport(urls[i] as string);
        samples[i]?.push(wall);
        cpuSamples[i]?.push(cpu);
      });
      childStart.push(await timeChildStart(childScript));
    }
    step('module counts');
    modules = urls.map((url) => modulesLoaded(url));
  } finally {
    if (packageDir !== null) rmSync(packageDir, { recursive: true, force: true });
  }
  /** Where a URL points, the temporary package build named as such. */
  const shown = (url: string): string => {
    const file = new URL(url).pathname;
    return packageDir !== null && file.startsWith(packageDir)
      ? `<package build>/${path.relative(packageDir, file)}`
      : where(url);
  };
  const packageAt = packageDir === null ? -1 : 3;
  const medians = samples.map((xs) => median(xs));
  const [, , child = 0] = medians;
  // Per round, an entry's time minus zod's in the same round: load that moves between rounds cancels.
  const overZod = samples.map((xs) => median(xs.map((x, round) => x - (samples[0]?.[round] ?? 0))));
  const cpuOverZod = cpuSamples.map((xs) => median(xs.map((x, round) => x - (cpuSamples[0]?.[round] ?? 0))));
  const mainOverZod = overZod[1] ?? 0;
  report.table([
    [
      'case',
      'median ms',
      'over zod ms',
      'CPU ms',
      'CPU over zod ms',
      'min ms',
      'max ms',
      'modules loaded',
      'resolved to',
    ],
    ...cases.map((c, i) => {
      const xs = samples[i] as number[];
      return [
        c.label,
        fmt(medians[i] as number, 1),
        i === 0 ? '-' : fmt(overZod[i] as number, 1),
        fmt(median(cpuSamples[i] as number[]), 1),
        i === 0 ? '-' : fmt(cpuOverZod[i] as number, 1),
        fmt(Math.min(...xs), 1),
        fmt(Math.max(...xs), 1),
        String(modules[i]?.length ?? 0),
        shown(urls[i] as string),
      ];
    }),
    [
      'child-kit child start to handshake',
      fmt(median(childStart), 1),
      '-',
      '-',
      '-',
      fmt(Math.min(...childStart), 1),
      fmt(Math.max(...childStart), 1),
      '-',
      where(`file://${childScript}`),
    ],
  ]);
  report.print();
  report.print(
    `lean-worker-pool over zod alone (median of per-round differences): ${fmt(mainOverZod, 1)} ms (target <= ${TARGET_OVER_ZOD_MS} ms); ` +
      `lean-worker-pool/child: ${fmt(child, 1)} ms; CPU time over zod's: ${fmt(cpuOverZod[1] ?? 0, 1)} ms`,
  );
  if (packageAt >= 0) {
    report.print(
      `package build (minified) over zod alone: ${fmt(overZod[packageAt] ?? 0, 1)} ms; ` +
        `CPU time over zod's: ${fmt(cpuOverZod[packageAt] ?? 0, 1)} ms`,
    );
  }
  const own = (i: number) => (modules[i] ?? []).filter((u) => !u.includes('/node_modules/'));
  report.print(
    `own files loaded (bundle files): main entry ${own(1).length}, child entry ${own(2).length}; packages: ${[
      ...new Set(
        modules
          .flat()
          .filter((u) => u.includes('/node_modules/'))
          .map((u) => u.replace(/.*\/node_modules\/((@[^/]+\/)?[^/]+)\/.*/, '$1')),
      ),
    ].join(', ')}`,
  );
  report.print();
  await report.finish({
    workload: { runs, cases: urls.map(shown), childStart: 'fast-rows.js --lenient' },
    memoryMeasure: 'none (timing only)',
    results: {
      imports: cases.map((c, i) => ({
        specifier: packageAt === i ? shown(urls[i] as string) : c.specifier,
        label: c.label,
        resolvedTo: shown(urls[i] as string),
        medianMs: medians[i],
        overZodMs: i === 0 ? null : overZod[i],
        samplesMs: samples[i],
        cpuMedianMs: median(cpuSamples[i] as number[]),
        cpuOverZodMs: i === 0 ? null : cpuOverZod[i],
        cpuSamplesMs: cpuSamples[i],
        modulesLoaded: modules[i]?.length ?? 0,
        modules: (modules[i] ?? []).map(shown),
      })),
      mainOverZodMs: mainOverZod,
      packageBuildOverZodMs: packageAt >= 0 ? overZod[packageAt] : null,
      childStart: { medianMs: median(childStart), samplesMs: childStart },
    },
    checks: {
      'main entry over zod alone (ms)': check(mainOverZod, '<=', TARGET_OVER_ZOD_MS),
      ...(packageAt >= 0
        ? {
            'package build over zod alone (ms)': check(overZod[packageAt] ?? null, '<=', TARGET_OVER_ZOD_MS),
          }
        : {}),
    },
    caveats: [
      'Each figure includes resolving, reading, compiling and evaluating the modules; Node start-up is not in it.',
      'The file system cache is warm after the first round.',
      'The main entry resolves to the bundle in dist/ (`npm run build`: esbuild, not minified); the package build row is `npm run build:package` (minified), built into a temporary folder before the rounds.',
      "On a shared 2-core machine the figures move with its load; the difference to zod is the stable figure, and CPU time (the process's user + system time during the import) stretches less than elapsed time, having no wait for a core in it.",
    ],
  });
}

runMain(main);
