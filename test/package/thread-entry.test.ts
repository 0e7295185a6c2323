/**
 * The supervisor thread entry as built (`dist/threads/`, `scripts/bundle.mjs`): one file and its
 * chunks that name no package, so it runs from a folder with no `node_modules` (an unpacked
 * asar, a bundled app's output); the pool option `supervisorEntry` that points a pool at such a
 * folder; the typed error of an entry that is not there.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { makePool, ROOT, rejection, source } from '../pool/helpers.js';
import { fakeRepl, MATHLIB } from '../repl/pool-helpers.js';

const THREADS = path.join(ROOT, 'dist', 'threads');
/** Bundle file (relative to dist/) to the source modules it holds. */
const HOLDS = JSON.parse(readFileSync(path.join(ROOT, 'dist', 'bundle-meta.json'), 'utf8')) as Record<
  string,
  string[]
>;
/** The thread's bundle files (dist/threads/ also holds tsc's unbundled output in a dev build). */
const THREAD_FILES = Object.keys(HOLDS)
  .filter((f) => f.startsWith('threads/'))
  .map((f) => f.slice('threads/'.length));

/**
 * The module specifiers a built file names: static imports and re-exports, dynamic imports, and
 * `require` calls (esbuild's `__require`, a `createRequire` function), in esbuild's unminified
 * output; `static`: only what loads with the file.
 */
function specifiers(text: string, loading: 'static' | 'all' = 'all'): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\b[^'";]*?\bfrom\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    ...(loading === 'all'
      ? [/\bimport\(\s*["']([^"']+)["']\s*\)/g, /\b[\w$]*require[\w$]*\(\s*["']([^"']+)["']\s*\)/gi]
      : []),
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.push(m[1] as string);
  return found;
}

/** A copy of the thread's bundle files in a fresh folder under the system temp folder. */
function copiedThreads(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-threads-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(path.join(dir, 'threads'));
  for (const file of THREAD_FILES) copyFileSync(path.join(THREADS, file), path.join(dir, 'threads', file));
  return path.join(dir, 'threads', 'supervisor.js');
}

const rowsAs = <T extends z.ZodType>(row: T) =>
  defineStreamingCommand({
    export: 'rows',
    request: z.object({ count: z.number() }),
    row,
    summary: z.object({ ok: z.boolean(), rows: z.number() }),
  });

describe('the built supervisor thread entry', () => {
  it('names only Node builtins (node:) and files beside it, which exist', () => {
    expect(THREAD_FILES).toContain('supervisor.js');
    expect(THREAD_FILES.filter((f) => f.includes('zod'))).toEqual([]);
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of specifiers(readFileSync(path.join(THREADS, file), 'utf8'))) {
        if (spec.startsWith('node:')) continue;
        expect(spec, `${file} names ${spec}`).toMatch(/^\.\/[\w.-]+$/);
        expect(THREAD_FILES, `${file} names ${spec}`).toContain(spec.slice(2));
        visit(spec.slice(2));
      }
    };
    visit('supervisor.js');
    // Reached through the entry: the lazy repl driver and pidusage, each once.
    expect([...seen].some((f) => f.startsWith('repl-driver-'))).toBe(true);
    expect([...seen].some((f) => f.startsWith('pidusage-'))).toBe(true);
    // The walk sees what it must reject.
    expect(specifiers('import { z } from "zod";\nconst p = __require("pidusage");')).toEqual([
      'zod',
      'pidusage',
    ]);
  });

  it('keeps the repl driver out of the entry file, and zod out of every thread file', () => {
    const entry = HOLDS['threads/supervisor.js'] ?? [];
    expect(entry).toContain('threads/supervisor.ts');
    expect(entry).not.toContain('threads/repl-driver.ts');
    const text = readFileSync(path.join(THREADS, 'supervisor.js'), 'utf8');
    const eager = specifiers(text, 'static');
    expect(eager.length).toBeGreaterThan(0);
    expect(eager.filter((s) => s.startsWith('./repl-driver-'))).toEqual([]);
    const replChunk = Object.entries(HOLDS).find(
      ([file, inputs]) => file.startsWith('threads/') && inputs.includes('threads/repl-driver.ts'),
    );
    expect(replChunk?.[1]).toContain('threads/repl/schemas.ts');
    // Typed commands are checked with the JSON-Schema subset, repl answers with `threads/repl/shape.ts`.
    for (const [file, inputs] of Object.entries(HOLDS).filter(([f]) => f.startsWith('threads/'))) {
      expect(
        inputs.filter((i) => /(^|\/)zod\//.test(i)),
        file,
      ).toEqual([]);
      const names = specifiers(readFileSync(path.join(ROOT, 'dist', file), 'utf8'));
      expect(
        names.filter((n) => n.includes('zod')),
        file,
      ).toEqual([]);
    }
  });
});

describe('the thread folder', () => {
  it('carries the notices of every package bundled into it', () => {
    const notices = readFileSync(path.join(THREADS, 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    const bundled = new Set(
      Object.entries(HOLDS)
        .filter(([file]) => file.startsWith('threads/'))
        .flatMap(([, inputs]) => inputs)
        .map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
        .filter((name): name is string => name !== undefined),
    );
    expect([...bundled].sort()).toEqual(['comlink', 'pidusage']);
    for (const name of bundled) expect(notices).toMatch(new RegExp(`^${name} \\S+ \\(`, 'm'));
  });
});

describe('the supervisorEntry pool option', () => {
  it('runs typed commands and a repl from a copy of the entry in a folder with no node_modules', async () => {
    const entry = copiedThreads();
    // As a file: URL text: rows checked in the thread (JSON-Schema subset, no zod).
    const pool = makePool({ maxWorkers: 2, supervisorEntry: pathToFileURL(entry).href });
    const lease = await pool.acquireLease(source(['T']));
    await rejection(
      lease.runStreamingCommand(rowsAs(z.object({ i: z.string() })), { count: 2 }).collect(),
      ErrorCode.ROW_DECODE,
    );
    const { rows } = await lease
      .runStreamingCommand(rowsAs(z.object({ i: z.number() })), { count: 2 })
      .collect();
    expect(rows.map((r) => r.payload.i)).toEqual([0, 1]);
    lease.release();
    // As a path: a repl worker loads the repl driver chunk.
    const replPool = makePool({ supervisorEntry: entry });
    await using repl = await replPool.acquireLease(fakeRepl().forSnippet(MATHLIB));
    expect((await repl.check(`${MATHLIB}#eval 2\n`).summary).metadata?.ok).toBe(true);
  });

  it('is an absolute path or a file: URL', () => {
    for (const bad of [
      'threads/supervisor.js',
      'https://example.com/supervisor.js',
      new URL('data:,x'),
      7,
      '',
    ]) {
      let code: unknown = null;
      try {
        makePool({ supervisorEntry: bad as string });
      } catch (error) {
        code = (error as { code?: unknown }).code;
      }
      expect(code, String(bad)).toBe(ErrorCode.INVALID_OPTIONS);
    }
  });

  it('names an entry that is not there: SPAWN, reason thread_entry_missing', async () => {
    const missing = path.join(path.dirname(copiedThreads()), 'gone', 'supervisor.js');
    const pool = makePool({ supervisorEntry: missing });
    const error = await rejection(pool.acquireLease(source(['T'])), ErrorCode.SPAWN);
    expect(error.facts).toMatchObject({ reason: 'thread_entry_missing', entry: missing });
    expect(error.message).toContain(missing);
  });
});
