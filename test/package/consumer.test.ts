/**
 * The package as a user gets it: build it as `npm run build:package` does, `npm pack`, install the
 * tarball with zod into a fresh project (from the npm cache; the registry only if the cache
 * misses), typecheck an ESM and a CommonJS consumer with tsc (module nodenext), then run the
 * README's example (a child-kit child, a pool, typed commands) exactly as the README prints it.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
/**
 * The size bound of the packed tarball, the package's target: 197,436 bytes measured
 * (`npm run build:package`, then `npm pack --dry-run --json --ignore-scripts`): the minified
 * bundles (the thread entry self-contained, with no zod in it: the repl protocol is read with
 * `threads/repl/shape.ts`), about 21 kB the cluster entry, declarations with their doc comments
 * and the README. Tests, benchmarks, maps or fixtures leaking in would add hundreds of kB.
 */
const MAX_TARBALL_BYTES = 200_000;

let work = '';
let tarball = '';
let consumer = '';

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

/** The README's fenced code block whose first line is `// <name>`. */
function readmeBlock(name: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const found = block.find((b) => b.startsWith(`// ${name}\n`));
  if (found === undefined) throw new Error(`README has no js block starting with // ${name}`);
  return found;
}

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'lwp-package-'));
  const stage = path.join(work, 'stage');
  mkdirSync(stage);
  run(process.execPath, ['scripts/build-package.mjs', path.join(stage, 'dist')], ROOT);
  for (const file of ['package.json', 'LICENSE', 'README.md'])
    copyFileSync(path.join(ROOT, file), path.join(stage, file));
  const packed = JSON.parse(
    run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], stage),
  ) as {
    filename: string;
  }[];
  tarball = path.join(work, packed[0]!.filename);

  consumer = path.join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    path.join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run(
    NPM,
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      tarball,
      `zod@${PACKAGE.devDependencies.zod}`,
      `@types/node@${PACKAGE.devDependencies['@types/node']}`,
    ],
    consumer,
  );
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('packs small, with no tests, benchmarks or source maps', () => {
    expect(statSync(tarball).size).toBeLessThanOrEqual(MAX_TARBALL_BYTES);
    const listing = run('tar', ['-tzf', tarball], work).split('\n');
    expect(listing).toContain('package/LICENSE');
    expect(listing.filter((f) => /\/(test|bench)\/|\.map$/.test(f))).toEqual([]);
    // The supervisor thread entry, no zod beside it and no unbundled thread modules.
    expect(listing).toContain('package/dist/threads/supervisor.js');
    expect(listing.filter((f) => f.startsWith('package/dist/threads/') && f.includes('zod'))).toEqual([]);
    expect(listing).not.toContain('package/dist/threads/supervisor-core.js');
  });

  it('exports the supervisor thread entry by name', () => {
    const resolved = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "console.log(import.meta.resolve('lean-worker-pool/threads/supervisor'))",
      ],
      consumer,
    ).trim();
    expect(resolved).toBe(
      pathToFileURL(path.join(consumer, 'node_modules/lean-worker-pool/dist/threads/supervisor.js')).href,
    );
  });

  it('keeps the error classes named in the minified build', () => {
    const names = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('lean-worker-pool'); const e = new m.LeanWorkerPool({ maxWorkers: 1 }); " +
          'await e.close(); const r = await e.acquireLease(null).catch((x) => x); ' +
          'console.log(JSON.stringify([m.LeanWorkerError.name, m.PoolClosedError.name, r.name, r.code]))',
      ],
      consumer,
    ).trim();
    expect(JSON.parse(names)).toEqual([
      'LeanWorkerError',
      'PoolClosedError',
      'InvalidArgumentError',
      'LEAN_WORKER_ERR_INVALID_ARGUMENT',
    ]);
  });

  it('typechecks an ESM and a CommonJS consumer (module nodenext)', () => {
    writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          lib: ['es2023', 'esnext.disposable'],
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        include: ['esm.ts', 'cjs.cts'],
      }),
    );
    const usage = `
const count = defineStreamingCommand({
  export: 'count',
  request: z.object({ n: z.number().default(3) }),
  row: z.object({ square: z.number() }),
  summary: z.object({ rows: z.number() }),
});
export async function use(lease: LeanWorkerSessionLease): Promise<number> {
  const stream = lease.runStreamingCommand(count, {});
  let total = 0;
  for await (const row of stream) total += row.payload.square;
  const summary = await stream.summary;
  const rows: number | undefined = summary.metadata?.rows;
  const snapshot = lease.snapshot();
  const generation: number = snapshot.generation;
  return total + (rows ?? 0) + generation;
}
export function codeOf(error: unknown): string | null {
  return error instanceof LeanWorkerError && error.code === ErrorCode.QUEUE_TIMEOUT ? error.code : null;
}
export const child = createWorkerChild({ workerVersion: '1', exports: { count: jsonExport(() => 1) } });
`;
    writeFileSync(
      path.join(consumer, 'esm.ts'),
      `import { z } from 'zod';
import { defineStreamingCommand, ErrorCode, LeanWorkerError, type LeanWorkerSessionLease } from 'lean-worker-pool';
import { createWorkerChild, jsonExport } from 'lean-worker-pool/child';
${usage}`,
    );
    writeFileSync(
      path.join(consumer, 'cjs.cts'),
      `import { z } from 'zod';
import { defineStreamingCommand, ErrorCode, LeanWorkerError, type LeanWorkerSessionLease } from 'lean-worker-pool';
import { createWorkerChild, jsonExport } from 'lean-worker-pool/child';
${usage}`,
    );
    expect(() => run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer)).not.toThrow();
  });

  it("runs the README's example as written", () => {
    writeFileSync(path.join(consumer, 'child.mjs'), readmeBlock('child.mjs'));
    writeFileSync(path.join(consumer, 'main.mjs'), readmeBlock('main.mjs'));
    const output = run(process.execPath, ['main.mjs'], consumer);
    expect(output).toContain('squares 16');
    expect(output).toContain('summary { rows: 4 }');
    expect(output).toContain('hello, Lean');
  });
});
