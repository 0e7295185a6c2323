/**
 * What a fresh process loads for each entry point (the bundled `dist/` tree, as the package
 * ships it): importing the main entry loads no optional machinery (piscina, execa, pidusage, the
 * supervisor thread's comlink, Lake discovery) until it is used; the child kit's entry does not
 * load zod; the CLI loads the demo only for `demo`; a supervisor thread checks typed answers without
 * loading zod. Asserted on the modules loaded, not on time: each bundle file loaded stands for the
 * source modules it holds (`dist/bundle-meta.json`, written by `scripts/bundle.mjs`), so a lazy
 * module bundled into an eager file shows as loaded.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadedModuleUrls, REGISTER_MODULE_LOAD_HOOK } from '../../bench/lib/module-load.js';
import { ErrorCode } from '../../src/errors.js';
import { toThreadSchema } from '../../src/thread-schema.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');
/** Bundle file (relative to dist/) to the source modules it holds. */
const HOLDS = JSON.parse(readFileSync(path.join(DIST, 'bundle-meta.json'), 'utf8')) as Record<
  string,
  string[]
>;

/** The source modules behind loaded files: a bundle file's modules, any other file itself. */
function sources(files: readonly string[]): string[] {
  return files.flatMap((f) => (f.startsWith('dist/') ? (HOLDS[f.slice('dist/'.length)] ?? [f]) : [f]));
}

/**
 * Reports CommonJS loads too (the module hook sees only ES modules): run by `--import` in every
 * thread, it prints `LOADED <id>` for each `require`, as the hook does for each module URL.
 */
const REPORT_REQUIRES = `data:text/javascript,${encodeURIComponent(
  "import Module from 'node:module'; import { writeSync } from 'node:fs';" +
    'const load = Module._load;' +
    "Module._load = function (request, parent, isMain) { if (!request.startsWith('node:') && !Module.isBuiltin(request)) writeSync(2, 'LOADED cjs:' + request + '\\n'); return load.call(this, request, parent, isMain); };",
)}`;

/** Repository-relative paths (or `cjs:<request>`) of the modules a fresh `node --import <hook> ...args` loads. */
function loaded(args: readonly string[], stdout?: (text: string) => void): string[] {
  const run = spawnSync(
    process.execPath,
    ['--import', REGISTER_MODULE_LOAD_HOOK, '--import', REPORT_REQUIRES, ...args],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  stdout?.(run.stdout);
  return loadedModuleUrls(run.stderr).map((url) => {
    if (url.startsWith('cjs:')) return url;
    const file = new URL(url).pathname;
    // node_modules is shared between checkouts: keep the part from node_modules/ on.
    const at = file.lastIndexOf('/node_modules/');
    return at >= 0 ? file.slice(at + 1) : path.relative(ROOT, file);
  });
}

function importing(entry: string): string[] {
  const url = pathToFileURL(path.join(DIST, entry)).href;
  return loaded(['--input-type=module', '-e', `await import(${JSON.stringify(url)});`]);
}

const packages = (files: readonly string[]) =>
  new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));

const distUrl = (file: string) => JSON.stringify(pathToFileURL(path.join(DIST, file)).href);

/**
 * A process that starts one supervisor thread (its main thread imports no zod either) and sends
 * it `echo` twice, its answer checked in the thread against `schemas` in turn; prints the outcomes.
 */
function typedEchoScript(schemas: readonly unknown[]): string {
  return `
const { SupervisorHandle } = await import(${distUrl('src/worker/supervisor-handle.js')});
const { fixturePath } = await import(${distUrl('src/worker/paths.js')});
const handle = await SupervisorHandle.start({
  launch: {
    command: process.execPath, args: [fixturePath('children/fast-rows'), '--lenient'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, startupTimeoutMs: 30000, requestTimeoutMs: 30000,
    requestIdleTimeoutMs: 0, shutdownTimeoutMs: 2000, killWaitTimeoutMs: 5000, maxFrameBytes: 1 << 20,
    stderrTailBytes: 4096, hardMemoryLimitKib: 0, memorySampleIntervalMs: 0,
  },
  restart: { maxRestarts: 0, windowMs: 60000, backoffBaseMs: 0, backoffMaxMs: 0 },
  relay: { initialCredit: 8, maxBatchItems: 256, maxBatchBytes: 65536 },
});
const outcomes = [];
try {
  let id = 1;
  for (const response of ${JSON.stringify(schemas)}) {
    const request = { op: 'json_command', export: 'echo', request_json: '{"x":1}' };
    const spec = { id: id++, generation: handle.generation, request, timeoutMs: 0, idleTimeoutMs: 0, schemas: { response } };
    const outcome = await handle.request(spec, null);
    outcomes.push(outcome.ok ? { ok: true, value: outcome.value } : { ok: false, code: outcome.error.code, facts: outcome.error.facts });
  }
} finally {
  await handle.shutdown('kill');
}
console.log(JSON.stringify(outcomes));
`;
}

describe('lazy loading', () => {
  it('importing the main entry loads zod and the pool, not piscina, execa, pidusage, comlink or smol-toml', () => {
    const files = importing('src/index.js');
    const modules = sources(files);
    // The hook sees the entry, the pool and the peer: the absence below is not a blind spot.
    expect(files).toContain('dist/src/index.js');
    expect(modules).toContain('src/pool/pool.ts');
    expect(packages(files).has('zod')).toBe(true);
    // smol-toml and the Lean lakefile reader load when a lakefile is read, not with the package.
    for (const name of ['piscina', 'execa', 'pidusage', 'comlink', 'prom-client', 'smol-toml'])
      expect(packages(files).has(name)).toBe(false);
    expect(modules).not.toContain('src/worker/supervisor-handle.ts');
    expect(modules).not.toContain('src/worker/thread-entry.ts');
    expect(modules).not.toContain('src/lake/discover.ts');
    expect(modules).not.toContain('src/lake/lakefile-lean.ts');
    expect(modules).not.toContain('src/lake/lakefile-toml.ts');
    expect(modules).not.toContain('src/protocol/messages.ts');
    expect(modules.filter((f) => f.startsWith('demo/'))).toEqual([]);
    // The entry's modules share two chunks (`scripts/bundle.mjs`): what the child entries share
    // with it, and the rest; beside them esbuild's runtime helpers. 20 files before the grouping.
    expect(files.filter((f) => f.startsWith('dist/')).length).toBeLessThanOrEqual(4);
  });

  it('importing the main entry after zod loads no fs/promises, streams, worker_threads or os of Node', () => {
    // Node's own modules newly loaded by the import, then by importing worker_threads directly
    // (which shows the probe sees a builtin that loads).
    const script = `
await import('zod');
const before = new Set(process.moduleLoadList);
await import(${distUrl('src/index.js')});
const byImport = process.moduleLoadList.filter((m) => !before.has(m));
await import('node:worker_threads');
const byWorkerThreads = process.moduleLoadList.filter((m) => !before.has(m) && !byImport.includes(m));
console.log(JSON.stringify({ byImport, byWorkerThreads }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const { byImport, byWorkerThreads } = JSON.parse(run.stdout) as Record<string, string[]>;
    expect(byWorkerThreads).toContain('NativeModule worker_threads');
    for (const name of ['worker_threads', 'os', 'internal/fs/promises', 'stream'])
      expect(byImport).not.toContain(`NativeModule ${name}`);
  });

  it('lean-worker-pool/prometheus loads prom-client, and not bullmq or ioredis', () => {
    const files = importing('src/prometheus/index.js');
    expect(files).toContain('dist/src/prometheus/index.js');
    expect(packages(files).has('prom-client')).toBe(true);
    expect(packages(files).has('bullmq')).toBe(false);
    expect(packages(files).has('ioredis')).toBe(false);
  });

  it('importing the child kit loads no zod and nothing of the pool', () => {
    const files = importing('src/child/index.js');
    expect(files).toContain('dist/src/child/index.js');
    expect(sources(files)).toContain('src/child/worker-child.ts');
    expect([...packages(files)]).toEqual([]);
    expect(sources(files).filter((f) => f.startsWith('src/pool/'))).toEqual([]);
  });

  it('a supervisor thread checks typed answers, passing and failing, without loading zod', () => {
    const passing = z.object({ echo: z.object({ x: z.number() }) });
    const failing = z.object({ echo: z.object({ x: z.string().min(2) }) });
    const schemas = [toThreadSchema(passing), toThreadSchema(failing)];
    expect(schemas).not.toContain(null);
    let printed = '';
    const files = loaded(['--input-type=module', '-e', typedEchoScript(schemas)], (out) => {
      printed = out;
    });
    const outcomes = JSON.parse(printed.trim().split('\n').at(-1) ?? '[]');
    const expectedIssues = z.prettifyError(failing.safeParse({ echo: { x: 1 } }).error as z.ZodError);
    expect(outcomes).toEqual([
      { ok: true, value: { echo: { x: 1 } } },
      { ok: false, code: ErrorCode.RESPONSE_DECODE, facts: { export: 'echo', issues: expectedIssues } },
    ]);
    expect(files.filter((f) => f.includes('zod'))).toEqual([]);
    // The hooks saw the thread: its entry and its checker loaded, and a CommonJS require reported.
    expect(files).toContain('dist/threads/supervisor.js');
    expect(sources(files)).toContain('src/protocol/json-schema-check.ts');
    expect(files.some((f) => f.startsWith('cjs:'))).toBe(true);
  });

  it('the CLI loads the demo only for its demo command', () => {
    const version = sources(loaded([path.join(DIST, 'src/cli/main.js'), '--version']));
    expect(version).toContain('src/cli/main.ts');
    expect(version.filter((f) => f.startsWith('demo/'))).toEqual([]);
    const help = sources(loaded([path.join(DIST, 'src/cli/main.js'), 'demo', '--help']));
    expect(help).toContain('demo/command.ts');
  });
});
