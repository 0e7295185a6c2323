/**
 * An app that bundles the library with esbuild into one file, as docs/bundling.md describes:
 * the app and its child-kit child bundled (zod and the library inside), the package's
 * `dist/threads/` folder copied beside the bundle and named with the pool option
 * `supervisorEntry`. Run from a folder with no `node_modules`, it streams typed rows from the
 * child through the pool. Without the option, the bundle looks for the entry where the package
 * keeps it relative to its own module, which is not there: the typed SPAWN error names the file.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appMain, writeApp } from './app-sources.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const THREADS = path.join(ROOT, 'dist', 'threads');
const HOLDS = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'bundle-meta.json'), 'utf8')) as Record<
  string,
  string[]
>;

const MAIN = appMain({
  childPath: "fileURLToPath(new URL('./child.mjs', import.meta.url))",
  poolOptions:
    "process.env.NO_ENTRY ? {} : { supervisorEntry: new URL('./threads/supervisor.js', import.meta.url) }",
});

let work = '';
/** The bundled app's folder: deep enough that the package's own relative entry path misses. */
let out = '';

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'lwp-bundled-'));
  const app = writeApp(work, MAIN);
  out = path.join(work, 'deploy', 'app', 'out');
  await esbuild.build({
    absWorkingDir: app,
    entryPoints: { main: 'main.mjs', child: 'child.mjs' },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // CommonJS packages bundled into ESM require Node's builtins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    logLevel: 'error',
  });
  // As docs/bundling.md says: the package's dist/threads/ beside the bundle.
  mkdirSync(path.join(out, 'threads'));
  for (const file of Object.keys(HOLDS).filter((f) => f.startsWith('threads/'))) {
    copyFileSync(path.join(THREADS, file.slice('threads/'.length)), path.join(out, file));
  }
  // Nothing of the app's node_modules is reachable from the bundle's folder.
  rmSync(path.join(app, 'node_modules'), { recursive: true });
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function runApp(env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, ['main.mjs'], {
    cwd: out,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
}

describe('an app bundled with esbuild', () => {
  it('holds the library and zod in one file: no import names a package', () => {
    const text = readFileSync(path.join(out, 'main.mjs'), 'utf8');
    const imports = [...text.matchAll(/^\s*import\b[^'";]*?\bfrom\s*["']([^"']+)["']/gm)].map((m) => m[1]);
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((s) => !s?.startsWith('node:'))).toEqual([]);
  });

  it('streams typed rows from a child-kit child with supervisorEntry naming the copied thread entry', () => {
    const output = runApp();
    expect(output).toContain('squares 16');
    expect(output).toContain('summary {"rows":4}');
    expect(output).toContain('hello, Lean');
    expect(output).not.toContain('failed');
  });

  it('without the option, fails with SPAWN naming the entry it looked for', () => {
    const output = runApp({ NO_ENTRY: '1' });
    const line = output.split('\n').find((l) => l.startsWith('failed '));
    expect(line).toBeDefined();
    const failure = JSON.parse((line as string).slice('failed '.length)) as {
      code: string;
      facts: Record<string, unknown>;
    };
    expect(failure.code).toBe('LEAN_WORKER_ERR_SPAWN');
    expect(failure.facts).toEqual({
      reason: 'thread_entry_missing',
      entry: path.join(work, 'deploy', 'threads', 'supervisor.js'),
    });
  });
});
