/**
 * What every benchmark prints and writes: a header (benchmark, command, platform, workload), its
 * own lines, then caveats, and one JSON result in `bench/results/<name>.json` with the fields
 * listed in `bench/README.md`.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePlatform, type Platform, platform, uptimeLine } from './platform.js';

/**
 * The package root: the nearest folder above this file with a package.json. This file runs from
 * `dist/bench/lib/`, or from a copy of `dist/` the suite runner takes (see `run.ts`).
 */
export const PACKAGE_ROOT = findPackageRoot(fileURLToPath(new URL('.', import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return `${dir}${path.sep}`;
    if (path.dirname(dir) === dir) return from;
  }
}

/** `dist/bench/<name>.js`, wherever the compiled tree was copied. */
function scriptName(script: string): string {
  const parts = script.split(path.sep);
  const at = parts.lastIndexOf('dist');
  return at >= 0 ? parts.slice(at).join('/') : path.relative(PACKAGE_ROOT, script);
}

export type BenchMode = 'full' | 'quick' | 'smoke';

export interface BenchArgs {
  /** `--quick`: smaller workloads, the whole suite in under a minute. */
  readonly quick: boolean;
  /** `--smoke`: a tiny workload that only proves the benchmark runs (tests). */
  readonly smoke: boolean;
  readonly mode: BenchMode;
  /** `--out DIR`: where the JSON result goes (default `bench/results/`). */
  readonly outDir: string;
  readonly argv: readonly string[];
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const smoke = argv.includes('--smoke');
  const quick = smoke || argv.includes('--quick');
  const outAt = argv.indexOf('--out');
  const outDir =
    outAt >= 0 && argv[outAt + 1]
      ? path.resolve(argv[outAt + 1] as string)
      : path.join(PACKAGE_ROOT, 'bench', 'results');
  return { quick, smoke, mode: smoke ? 'smoke' : quick ? 'quick' : 'full', outDir, argv };
}

/** The value after `flag` in argv as a number, or `fallback`. */
export function numberArg(argv: readonly string[], flag: string, fallback: number): number {
  const at = argv.indexOf(flag);
  return at >= 0 ? Number(argv[at + 1]) : fallback;
}

/** A pass/fail check against a stated target. */
export interface Check {
  readonly value: number | null;
  readonly target: string;
  readonly met: boolean;
}

export function check(value: number | null, op: '<=' | '<' | '>=', target: number): Check {
  const met =
    value !== null &&
    !Number.isNaN(value) &&
    (op === '<=' ? value <= target : op === '<' ? value < target : value >= target);
  return { value, target: `${op} ${target}`, met };
}

export interface BenchResultBody {
  /** What ran, as data (row counts, runs, children, keys...). */
  readonly workload: Record<string, unknown>;
  /** Which memory figure the result reports, or "unavailable". */
  readonly memoryMeasure: string;
  readonly results: Record<string, unknown>;
  readonly checks?: Record<string, Check>;
  readonly caveats: readonly string[];
}

export class BenchReport {
  readonly name: string;
  readonly args: BenchArgs;
  readonly command: string;
  readonly platform: Platform;
  readonly #started = performance.now();

  /** `script` is the benchmark's `import.meta.filename`. */
  constructor(name: string, script: string, args: BenchArgs) {
    this.name = name;
    this.args = args;
    this.platform = platform();
    this.command = ['node', scriptName(script), ...args.argv].join(' ');
  }

  print(line = ''): void {
    process.stdout.write(`${line}\n`);
  }

  /** Benchmark name, command, platform and the workload in words. */
  header(title: string, workload: string): void {
    this.print(`${this.name}: ${title}`);
    this.print(`command:  ${this.command}`);
    this.print(`platform: ${describePlatform(this.platform)}`);
    this.print(`uptime:   ${this.platform.uptime}`);
    this.print(`workload: ${workload}${this.args.mode === 'full' ? '' : ` (--${this.args.mode})`}`);
    this.print();
  }

  /** Print rows as an aligned table; the first row is the heading. Numbers align right. */
  table(rows: readonly (readonly string[])[]): void {
    const widths: number[] = [];
    for (const row of rows) {
      row.forEach((cell, i) => {
        widths[i] = Math.max(widths[i] ?? 0, cell.length);
      });
    }
    rows.forEach((row, r) => {
      const cells = row.map((cell, i) =>
        i === 0 || r === 0 || !/^[-+]?[\d.,]/.test(cell)
          ? cell.padEnd(widths[i] as number)
          : cell.padStart(widths[i] as number),
      );
      this.print(`  ${cells.join('  ').trimEnd()}`);
    });
  }

  /** Print checks, caveats and the end-of-run load; write the JSON result; return its path. */
  async finish(body: BenchResultBody): Promise<string> {
    const checks = body.checks ?? {};
    if (Object.keys(checks).length > 0) {
      this.print('checks:');
      for (const [name, c] of Object.entries(checks)) {
        const value = c.value === null ? 'n/a' : Number(c.value.toPrecision(4)).toString();
        this.print(
          `  ${name.padEnd(34)} ${value.padStart(10)}  target ${c.target.padEnd(8)} ${c.met ? 'MET' : 'MISSED'}`,
        );
      }
      this.print();
    }
    const caveats = [
      ...body.caveats,
      ...(this.args.mode === 'full'
        ? []
        : [`--${this.args.mode}: smaller workload; figures are noisier than a full run.`]),
    ];
    this.print(`memory measure: ${body.memoryMeasure}`);
    this.print('caveats:');
    for (const c of caveats) this.print(`  - ${c}`);
    const uptimeAtEnd = uptimeLine();
    this.print(`uptime at end: ${uptimeAtEnd}`);
    const result = {
      benchmark: this.name,
      mode: this.args.mode,
      date: new Date().toISOString(),
      command: this.command,
      platform: this.platform,
      uptimeAtEnd,
      loadAverageAtEnd: os.loadavg(),
      durationMs: performance.now() - this.#started,
      workload: body.workload,
      memoryMeasure: body.memoryMeasure,
      results: body.results,
      checks,
      caveats,
    };
    await mkdir(this.args.outDir, { recursive: true });
    const file = path.join(this.args.outDir, `${this.name}.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    this.print(`result: ${path.relative(process.cwd(), file) || file}`);
    return file;
  }
}

let currentStep = 'start';

/** Name the step a benchmark is in; a watchdog that fires reports it. */
export function step(name: string): void {
  currentStep = name;
}

/**
 * Run a benchmark's main function; a failure prints and sets a non-zero exit code. A watchdog
 * ends the process (its children die with it) if the benchmark runs past `limitMs`, which
 * defaults to 3 minutes with --quick or --smoke and 60 minutes otherwise.
 */
export function runMain(main: () => Promise<void>, limitMs?: number): void {
  const quick = process.argv.includes('--quick') || process.argv.includes('--smoke');
  const limit = limitMs ?? (quick ? 3 : 60) * 60_000;
  const watchdog = setTimeout(() => {
    console.error(`benchmark still running after ${limit} ms, in step: ${currentStep}; giving up`);
    process.exit(2);
  }, limit);
  watchdog.unref();
  main()
    .catch((error: unknown) => {
      console.error(`failed in step: ${currentStep}`);
      console.error(error);
      process.exitCode = 1;
    })
    .finally(() => clearTimeout(watchdog));
}
