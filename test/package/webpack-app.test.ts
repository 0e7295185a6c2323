/**
 * An app that bundles the library with webpack 5 (ESM output, target node): webpack follows the
 * library's `new Worker(new URL('../../threads/supervisor.js', import.meta.url))` and emits the
 * self-contained thread entry as a chunk of its own, so the app needs no `supervisorEntry` and
 * no copy of `dist/threads/`. Run from a folder with no `node_modules`, it streams typed rows from
 * a child-kit child (bundled by the same build) through the pool.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpack from 'webpack';
import { appMain, writeApp } from './app-sources.js';

let work = '';
let out = '';

/** webpack 5 over `app/`, into `out`. */
function build(app: string): Promise<webpack.Stats> {
  const compiler = webpack({
    mode: 'production',
    context: app,
    target: 'node20.19',
    entry: { main: './main.mjs', child: './child.mjs' },
    experiments: { outputModule: true },
    output: {
      path: out,
      filename: '[name].mjs',
      chunkFilename: '[name]-[contenthash].mjs',
      module: true,
      chunkFormat: 'module',
    },
    optimization: { minimize: false },
    infrastructureLogging: { level: 'error' },
  });
  return new Promise((resolve, reject) => {
    compiler.run((error, stats) => {
      compiler.close(() => {});
      if (error || !stats) reject(error ?? new Error('webpack gave no stats'));
      else if (stats.hasErrors()) reject(new Error(stats.toString({ all: false, errors: true })));
      else resolve(stats);
    });
  });
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'lwp-webpack-'));
  // webpack turns `new URL('./x', import.meta.url)` in the app into an asset: the app finds its
  // bundled child beside the running script instead.
  const app = writeApp(
    work,
    appMain({ childPath: "path.join(path.dirname(process.argv[1]), 'child.mjs')", poolOptions: '{}' }),
  );
  out = path.join(work, 'deploy', 'app', 'out');
  await build(app);
  rmSync(path.join(app, 'node_modules'), { recursive: true });
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('an app bundled with webpack 5', () => {
  it('emits the thread entry as a chunk of its own, with no threads/ folder copied', () => {
    const files = readdirSync(out);
    expect(files).toContain('main.mjs');
    expect(files).not.toContain('threads');
    // The supervisor core runs only in the thread: the chunk holding it is the thread's.
    const threadChunks = files.filter(
      (f) => f !== 'main.mjs' && readFileSync(path.join(out, f), 'utf8').includes('SupervisorCore'),
    );
    expect(threadChunks.length).toBe(1);
    expect(readFileSync(path.join(out, 'main.mjs'), 'utf8')).not.toContain('SupervisorCore');
  });

  it('streams typed rows from a child-kit child with no supervisorEntry', () => {
    const output = execFileSync(process.execPath, ['main.mjs'], {
      cwd: out,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(output).toContain('squares 16');
    expect(output).toContain('summary {"rows":4}');
    expect(output).toContain('hello, Lean');
    expect(output).not.toContain('failed');
  });
});
