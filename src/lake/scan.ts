/**
 * Source scan orchestration: on the main thread for small trees, across piscina worker threads
 * for large ones. The pool is created per scan and destroyed before returning, with
 * `atomics: 'disabled'` so no worker thread lingers in a blocking wait.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ScanEntry, type ScanWhat, scanFiles } from './scan-task.js';

/**
 * Files at or above which a scan that reads files (headers or hashes) goes to piscina.
 *
 * Measured with `node dist/bench/planner.js --crossover --runs 5` on the 2-core reference
 * machine (Node 20.20, generated Mathlib-shaped trees of ~1 KiB files, headers + SHA-256,
 * page cache warm, medians; the machine was shared, load average 5-6): 251 files 12 ms
 * sequential vs 203 ms piscina; 1,001 files 56 vs 565 ms; 2,001 files 122 vs 636 ms; 5,001
 * files 182 vs 901 ms; 10,001 files 424 vs 878 ms; 20,001 files 1.2-1.7 s vs 1.7-3.0 s.
 * Starting two worker threads costs 200-600 ms there and the second core is rarely idle, so
 * no crossover was observed up to 20,000 files; the threshold sits above that, and past any
 * real Lake library (Mathlib has under 10,000 modules). On a machine with idle cores pass
 * `parallel: 'always'` or a lower threshold.
 * @default 50000 (files)
 */
export const PARALLEL_SCAN_THRESHOLD = 50_000;

/** Files per piscina task. @default 256 (files) */
export const SCAN_CHUNK_FILES = 256;

/** How a scan ran. */
export interface ScanReport {
  readonly entries: ScanEntry[];
  readonly mode: 'sequential' | 'parallel';
  /** Worker threads used (0 when sequential). */
  readonly threads: number;
  /** Why an `auto`/`always` scan stayed on the main thread, when it did. */
  readonly fallbackReason: string | null;
}

/** Scan options. */
export interface ScanOptions extends ScanWhat {
  /** `auto` uses piscina at {@link PARALLEL_SCAN_THRESHOLD}. @default 'auto' */
  readonly parallel?: 'auto' | 'always' | 'never';
  /** Override of the threshold for `auto`. @default PARALLEL_SCAN_THRESHOLD (files) */
  readonly threshold?: number;
  /** Worker threads. @default availableParallelism() */
  readonly threads?: number;
}

/**
 * The compiled worker file. Next to this module when running from `dist/`; when this module is
 * loaded from TypeScript sources (vitest), the compiled copy under `<package>/dist/src/lake/`.
 */
export function scanWorkerPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return path.join(path.dirname(here), 'scan-worker.js');
  const packageRoot = path.resolve(path.dirname(here), '..', '..');
  return path.join(packageRoot, 'dist', 'src', 'lake', 'scan-worker.js');
}

/** Scan `files`, results in input order. */
export async function scanSources(files: readonly string[], options: ScanOptions): Promise<ScanReport> {
  const what: ScanWhat = { headers: options.headers, hash: options.hash };
  const mode = options.parallel ?? 'auto';
  const readsFiles = what.headers || what.hash;
  const wantParallel =
    mode === 'always' ||
    (mode === 'auto' && readsFiles && files.length >= (options.threshold ?? PARALLEL_SCAN_THRESHOLD));
  if (!wantParallel) {
    return { entries: await scanFiles(files, what), mode: 'sequential', threads: 0, fallbackReason: null };
  }
  const workerFile = scanWorkerPath();
  if (!existsSync(workerFile)) {
    return {
      entries: await scanFiles(files, what),
      mode: 'sequential',
      threads: 0,
      fallbackReason: `compiled scan worker not found at ${workerFile} (run the build)`,
    };
  }
  const threads = Math.max(
    1,
    Math.min(options.threads ?? availableParallelism(), Math.ceil(files.length / 64)),
  );
  // Loaded on first parallel scan only: importing the package must not pay for piscina.
  const { Piscina } = await import('piscina');
  const pool = new Piscina({
    filename: pathToFileURL(workerFile).href,
    minThreads: threads,
    maxThreads: threads,
    atomics: 'disabled',
    idleTimeout: 1_000,
  });
  try {
    const chunks: Array<Promise<ScanEntry[]>> = [];
    for (let i = 0; i < files.length; i += SCAN_CHUNK_FILES) {
      chunks.push(pool.run({ files: files.slice(i, i + SCAN_CHUNK_FILES), ...what }));
    }
    const entries = (await Promise.all(chunks)).flat();
    return { entries, mode: 'parallel', threads, fallbackReason: null };
  } finally {
    await pool.destroy();
  }
}
