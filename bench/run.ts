/**
 * Runs the benchmarks compiled into dist/bench/, one after the other, each in its own Node
 * process, passing `--quick` (or `--smoke`) and `--out DIR` through; prints the wall time of each.
 * They run from a copy of `dist/` taken at start (under the ignored `bench/results/`), so a
 * rebuild while the suite runs cannot swap thread entries or children under it;
 * `--no-snapshot` runs them from `dist/` itself.
 *
 *   node dist/bench/run.js [--quick | --smoke] [--out DIR] [--only name,name] [--no-snapshot]
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { benchArgs, PACKAGE_ROOT } from './lib/report.js';

/** In this order: throughput first, while the machine is freshest. */
const SUITE = [
  'throughput',
  'event-loop-delay',
  'priority-floor',
  'port-hop',
  'payload',
  'round-trip',
  'backpressure',
  'thread-rss',
  'lifecycle',
  'scheduling',
  'memory',
  'planner',
  'import-time',
];
/** Long-running benchmarks kept out of --quick. */
const FULL_ONLY = ['soak'];

const args = benchArgs();
const passThrough = args.argv.filter(
  (a, i) => a !== '--only' && args.argv[i - 1] !== '--only' && a !== '--no-snapshot',
);
const snapshot = args.argv.includes('--no-snapshot')
  ? null
  : path.join(PACKAGE_ROOT, 'bench', 'results', `.dist-${process.pid}`);
if (snapshot) {
  // Compiled JS only: declaration files there would join the type-check of `bench/`.
  cpSync(path.resolve(import.meta.dirname, '..'), path.join(snapshot, 'dist'), {
    recursive: true,
    filter: (source) => !source.endsWith('.d.ts') && !source.endsWith('.map'),
  });
}
const here = snapshot ? path.join(snapshot, 'dist', 'bench') : import.meta.dirname;
const onlyAt = args.argv.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args.argv[onlyAt + 1] ?? '').split(',')) : null;
const names = [...SUITE, ...(args.quick ? [] : FULL_ONLY)].filter(
  (name) => existsSync(path.join(here, `${name}.js`)) && (only === null || only.has(name)),
);

const failed: string[] = [];
const times: string[] = [];
const started = performance.now();
for (const name of names) {
  const script = path.join(here, `${name}.js`);
  process.stdout.write(`\n=== node dist/bench/${name}.js ${passThrough.join(' ')}\n`);
  const t0 = performance.now();
  // Each benchmark has its own watchdog; this is the backstop.
  const timeout = (args.quick ? 4 : 90) * 60_000;
  const result = spawnSync(process.execPath, [script, ...passThrough], { stdio: 'inherit', timeout });
  times.push(`${name} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (result.status !== 0) failed.push(`${name} (${result.signal ?? `exit ${result.status}`})`);
}
process.stdout.write(
  `\nwall time: ${times.join(', ')}; total ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
if (snapshot) rmSync(snapshot, { recursive: true, force: true });
if (names.length === 0) process.stdout.write('no benchmark scripts found in dist/bench/\n');
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
