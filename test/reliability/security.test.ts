/**
 * What a child, or a careless option, can do to the parent: no shell anywhere; the child sees
 * only the allowlisted environment plus explicit variables; `__proto__` / `constructor` keys in
 * rows cannot pollute prototypes; a 50 MiB stderr flood or a 4 GiB frame header cannot grow the
 * parent's memory; builder paths and names are validated before any process uses them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { CHILD_ENV_ALLOWLIST } from '../../src/capability/child-env.js';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { fixturePath } from '../../src/worker/paths.js';
import { standInCapability } from '../helpers/capability.js';
import { makePool, ROOT, rejection } from '../pool/helpers.js';
import { MARK_VARIABLE, markedProcesses } from './resources.js';
import { faultSource, healthySource, scratch } from './sources.js';

/** Shell-backed process APIs, or a shell asked for by name; returns the offending lines. */
function shellUses(source: string): string[] {
  const patterns = [
    /\bshell\s*:\s*(?!false\b)[^,}\s]+/,
    /import\s*\{[^}]*\b(exec|execSync)\b[^}]*\}\s*from\s*['"](node:)?child_process['"]/,
    /\b(child_process|cp)\.(exec|execSync)\s*\(/,
    /\bexeca(Command|CommandSync)\b|\$`/,
    /['"](\/bin\/|\/usr\/bin\/)?(ba|z|da)?sh['"]\s*,\s*\[\s*['"]-c['"]/,
  ];
  return source.split('\n').filter((line) => patterns.some((p) => p.test(line)));
}

/** The one process started through a shell: the orphan watchdog, a constant program. */
const WATCHDOG = 'src/worker/orphan-guard.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

describe('security: no shell', () => {
  it('the scanner catches each shell form', () => {
    for (const bad of [
      'spawn(cmd, args, { shell: true })',
      "import { exec } from 'node:child_process';",
      'child_process.execSync(line)',
      'await execaCommand(line)',
      "spawn('/bin/sh', ['-c', line])",
    ]) {
      expect(shellUses(bad), bad).toHaveLength(1);
    }
    expect(shellUses('spawn(file, args, { shell: false, detached: true })')).toEqual([]);
  });

  it('no file under src/ or threads/ starts a process through a shell, but the orphan watchdog', () => {
    const offending = [...sources(path.join(ROOT, 'src')), ...sources(path.join(ROOT, 'threads'))].flatMap(
      (file) =>
        shellUses(readFileSync(file, 'utf8')).map((line) => `${path.relative(ROOT, file)}: ${line.trim()}`),
    );
    expect(offending).toEqual([`${WATCHDOG}: const proc = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], {`]);
  });

  it('the watchdog is a fixed sh program: nothing interpolated into it, its input checked as digits', () => {
    const source = readFileSync(path.join(ROOT, WATCHDOG), 'utf8');
    const script = /const WATCHDOG_SCRIPT = `([^`]*)`;/.exec(source)?.[1];
    expect(script).toBeDefined();
    // Only escaped `\${...}` (the shell's own expansions) appear; no JavaScript value enters it.
    expect(script?.replaceAll('\\${', '')).not.toContain('${');
    expect(script).toContain("case $pid in ''|*[!0-9]*|0|1) continue ;; esac");
  });
});

describe('security: child environment', () => {
  const SECRET = 'LEAN_WORKER_TEST_PARENT_SECRET';
  afterEach(() => {
    delete process.env[SECRET];
    delete process.env.LD_PRELOAD_TEST_ONLY;
  });

  it('a parent secret does not reach the child; the allowlist, base and explicit variables do', async () => {
    const { mark } = scratch();
    process.env[SECRET] = 'hunter2';
    process.env.LD_PRELOAD_TEST_ONLY = '/tmp/evil.so';
    const builder = new LeanWorkerCapabilityBuilder({
      ...standInCapability(),
      exports: { env: 'json' },
      worker: {
        command: process.execPath,
        args: [fixturePath('children/fault-child'), 'none', 'none'],
        env: { [MARK_VARIABLE]: mark, EXPLICIT_SETTING: 'on' },
      },
    });
    const env = defineJsonCommand({
      export: 'env',
      request: z.object({}),
      response: z.record(z.string(), z.string()),
    });
    const pool = makePool({ maxWorkers: 1 });
    const seen = await pool.withLease(builder, (lease) => lease.runJsonCommand(env, {}));
    expect(seen[SECRET]).toBeUndefined();
    expect(seen.LD_PRELOAD_TEST_ONLY).toBeUndefined();
    expect(seen).toMatchObject({ EXPLICIT_SETTING: 'on', LEAN_ABORT_ON_PANIC: '1', LEAN_BACKTRACE: '0' });
    const allowed = new Set([
      ...CHILD_ENV_ALLOWLIST,
      'LEAN_ABORT_ON_PANIC',
      'LEAN_BACKTRACE',
      'RUST_BACKTRACE',
      'LEAN_SYSROOT',
    ]);
    for (const name of Object.keys(seen)) {
      expect(
        allowed.has(name) || name.startsWith('LC_') || name === MARK_VARIABLE || name === 'EXPLICIT_SETTING',
        name,
      ).toBe(true);
    }
    // The same seen from outside, in the kernel's copy of the child's environment.
    const [pid] = markedProcesses(mark);
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    expect(environ).not.toContain('hunter2');
    expect(environ).toContain('EXPLICIT_SETTING=on');
  });
});

describe('security: prototype pollution through rows', () => {
  const hostile = JSON.stringify({
    __proto__: { polluted: 'yes' },
    constructor: { prototype: { polluted: 'yes' } },
    ok: 1,
  }).replace('"ok"', '"__proto__":{"polluted":"yes"},"ok"');

  function unpolluted(): void {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  }

  it('untyped and typed rows carrying __proto__ and constructor keys reach the consumer inert', async () => {
    const { mark } = scratch();
    expect(hostile).toContain('"__proto__"');
    const pool = makePool({ maxWorkers: 1 });
    const typed = defineStreamingCommand({
      export: 'rows',
      request: z.object({ count: z.number(), payload: z.string() }),
      row: z.looseObject({ ok: z.number() }),
      summary: z.unknown(),
    });
    const transformed = defineStreamingCommand({
      export: 'rows',
      request: z.object({ count: z.number(), payload: z.string() }),
      row: z.record(z.string(), z.unknown()).transform((r) => ({ ...r })),
      summary: z.unknown(),
    });
    await pool.withLease(healthySource(mark), async (lease) => {
      const untyped = await lease.runDataStream('rows', { count: 2, payload: hostile }).collect();
      const checked = await lease.runStreamingCommand(typed, { count: 2, payload: hostile }).collect();
      const consumerSide = await lease
        .runStreamingCommand(transformed, { count: 2, payload: hostile })
        .collect();
      for (const row of [...untyped.rows, ...checked.rows, ...consumerSide.rows]) {
        const payload = row.payload as Record<string, unknown>;
        expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
        expect(payload.polluted).toBeUndefined();
      }
      expect(checked.rows[0]?.payload.ok).toBe(1);
    });
    unpolluted();
  });
});

describe('security: a hostile child cannot exhaust the parent memory', () => {
  /** RSS growth of this process (supervisor threads included) across `run`, the worker already up. */
  async function rssGrowth(run: () => Promise<void>): Promise<number> {
    const before = process.memoryUsage().rss;
    await run();
    return process.memoryUsage().rss - before;
  }

  it('50 MiB of stderr per request, ten times: the requests succeed and parent RSS stops growing after two', {
    timeout: 120_000,
  }, async () => {
    const { mark } = scratch();
    const pool = makePool({ maxWorkers: 1 });
    const source = faultSource('stderr-flood', 'midstream', mark, undefined, { requestTimeoutMs: 60_000 });
    await pool.withLease(source, async (lease) => {
      await lease.runDataStream('rows', {}).collect();
      const flood = async (requests: number): Promise<void> => {
        for (let i = 0; i < requests; i++) {
          const result = await lease.runDataStream('fault', {}, { timeoutMs: 60_000 }).collect();
          expect(result.rows).toHaveLength(2);
        }
      };
      // What is kept of each flood is the 4 KiB tail, but every 64 KiB pipe read is a fresh buffer
      // in the supervisor thread, garbage until that thread's next GC. Node 24 lets about 70 MiB of
      // it pile up (Node 20 and 22: about 30 MiB) and the allocator keeps the freed pages, so the
      // first floods raise RSS by 30-70 MiB once; after them RSS moves within that band. Keeping
      // the stderr instead grows it by 50 MiB per request: 400 MiB over the eight measured here.
      await flood(2);
      const growth = await rssGrowth(() => flood(8));
      expect(growth).toBeLessThan(96 << 20);
    });
  });

  it('a 4 GiB frame header: FRAME_TOO_LARGE at once, nothing allocated for it', async () => {
    const { mark } = scratch();
    const pool = makePool({ maxWorkers: 1 });
    await pool.withLease(faultSource('oversize', 'inflight', mark), async (lease) => {
      await lease.runDataStream('rows', {}).collect();
      const growth = await rssGrowth(() =>
        rejection(lease.runDataStream('fault', {}).collect(), ErrorCode.FRAME_TOO_LARGE).then(
          () => undefined,
        ),
      );
      expect(growth).toBeLessThan(16 << 20);
    });
  });
});

describe('security: builder paths and names are validated before use', () => {
  const base = { projectRoot: ROOT, package: 'Fixture', libName: 'Fixture', skipBuild: true };
  const worker = { command: process.execPath, args: [] };

  it.each([
    ['a libName that lake would read as an option', { libName: '--help' }],
    ['a worker.cwd that does not exist', { worker: { ...worker, cwd: '/nonexistent/lwp-cwd' } }],
    ['a manifestPath that does not exist', { manifestPath: 'no/such/X.lean-rs-capability.json', worker }],
    ['a relative leanSysroot', { leanSysroot: 'toolchains/lean', worker }],
  ])('refuses %s with BOOTSTRAP', async (_what, override) => {
    const builder = new LeanWorkerCapabilityBuilder({ ...base, worker, ...override });
    await rejection(builder.resolve(), ErrorCode.BOOTSTRAP);
  });

  it('resolves a relative worker.cwd and manifestPath to absolute paths', async () => {
    const written = await new LeanWorkerCapabilityBuilder({ ...standInCapability(), worker }).resolve();
    const manifestPath = path.relative(ROOT, written.manifestPath as string);
    expect(path.isAbsolute(manifestPath)).toBe(false);
    const builder = new LeanWorkerCapabilityBuilder({
      ...standInCapability(),
      imports: ['Fixture.Basic'],
      manifestPath,
      worker: { ...worker, cwd: 'test' },
    });
    const resolved = await builder.resolve();
    expect(resolved.launch.cwd).toBe(path.resolve('test'));
    expect(resolved.session?.mode).toMatchObject({ manifest_path: path.join(ROOT, manifestPath) });
  });
});
