/**
 * Hostile Lake projects through discovery and the planner: linked library directories that lead
 * out of the root, project files that are devices, and lakefiles past the size cap or full of
 * commands the reader skips.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverLakeProject } from '../../src/lake/discover.js';
import { parseLakefileLean } from '../../src/lake/lakefile-lean.js';
import { LeanWorkerImportPlanner } from '../../src/planner/planner.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempDir(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lwp-hostile-'));
  temps.push(root);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}
/** The first discovery diagnostic's code, or `'no error'`. */
async function discoveryCode(options: Parameters<typeof discoverLakeProject>[0]): Promise<string> {
  try {
    await discoverLakeProject(options);
  } catch (err) {
    const e = err as { code: string; facts: { kind: string; diagnostic: { code: string } } };
    expect(e.code).toBe(ErrorCode.PLAN);
    expect(e.facts.kind).toBe('module_discovery');
    return e.facts.diagnostic.code;
  }
  return 'no error';
}

describe('library directories linked out of the project root', () => {
  it('refuses a lean_lib directory that is a link to a directory outside the root', async () => {
    const outside = await tempDir({ 'Secret.lean': 'import Outside\n', 'Deep/More.lean': '' });
    const root = await tempDir({ 'lakefile.toml': '[[lean_lib]]\nname = "Evil"\n' });
    await symlink(outside, path.join(root, 'Evil'));
    expect(await discoveryCode({ root, headers: true, contentHash: true })).toBe('path-escapes-root');
    const planner = new LeanWorkerImportPlanner({
      projectRoot: root,
      package: 'p',
      libName: 'Evil',
      importsFrom: 'header',
    });
    await expect(planner.planLakeProject()).rejects.toMatchObject({
      code: ErrorCode.PLAN,
      facts: { kind: 'module_discovery', diagnostic: { code: 'path-escapes-root' } },
    });
  });

  it('refuses a root module below a linked directory, and a link to /', async () => {
    const outside = await tempDir({ 'Sub.lean': 'def leaked := 1\n', 'Sub/X.lean': '' });
    const root = await tempDir({
      'lakefile.toml': '[[lean_lib]]\nname = "A"\nroots = ["A.Sub"]\n',
    });
    await symlink(outside, path.join(root, 'A'));
    expect(await discoveryCode({ root, contentHash: true })).toBe('path-escapes-root');

    const slash = await tempDir({ 'lakefile.toml': '[[lean_lib]]\nname = "Evil"\n' });
    await symlink('/', path.join(slash, 'Evil'));
    expect(await discoveryCode({ root: slash })).toBe('path-escapes-root');
  });

  it('still follows links that stay inside the root', async () => {
    const root = await tempDir({
      'lakefile.toml': '[[lean_lib]]\nname = "Lib"\n',
      'real/Lib/A.lean': '',
      'real/Lib.lean': '',
    });
    await symlink(path.join(root, 'real', 'Lib'), path.join(root, 'Lib'));
    await symlink(path.join(root, 'real', 'Lib.lean'), path.join(root, 'Lib.lean'));
    const p = await discoverLakeProject({ root });
    expect(p.modules.map((m) => m.module)).toEqual(['Lib', 'Lib.A']);
  });
});

describe('project files that are not regular files', () => {
  it('refuses lean-toolchain and lake-manifest.json when they are devices', async () => {
    for (const name of ['lean-toolchain', 'lake-manifest.json']) {
      const root = await tempDir({ 'lakefile.toml': '[[lean_lib]]\nname = "Demo"\n', 'Demo.lean': '' });
      await symlink('/dev/null', path.join(root, name));
      expect(await discoveryCode({ root })).toBe('not-regular-file');
    }
  });
});

describe('lakefile size', () => {
  it('refuses project files past the size cap with a typed error', async () => {
    const big = `[[lean_lib]]\nname = "Demo"\n${'# padding\n'.repeat(300)}`;
    const root = await tempDir({ 'lakefile.toml': big, 'Demo.lean': '' });
    expect(await discoveryCode({ root, maxProjectFileBytes: 1024 })).toBe('file-too-large');
    const manifest = await tempDir({
      'lakefile.toml': '[[lean_lib]]\nname = "Demo"\n',
      'Demo.lean': '',
      'lake-manifest.json': JSON.stringify({ packages: [], pad: 'x'.repeat(4096) }),
    });
    expect(await discoveryCode({ root: manifest, maxProjectFileBytes: 1024 })).toBe('file-too-large');
    const planner = new LeanWorkerImportPlanner({
      projectRoot: root,
      package: 'p',
      libName: 'Demo',
      maxProjectFileBytes: 1024,
    });
    await expect(planner.planLakeProject()).rejects.toMatchObject({
      facts: { diagnostic: { code: 'file-too-large' } },
    });
    expect(await discoveryCode({ root })).toBe('no error');
  });

  it('keeps what it reports bounded when a lakefile is mostly commands it skips', () => {
    const junk = Array.from({ length: 5_000 }, (_, i) => `def x${i} : Nat := ${i} + (${i} * 2)\n`).join('');
    const config = parseLakefileLean(`package p\nlean_lib L\n${junk}`, 'lakefile.lean');
    expect(config.leanLibs.map((l) => l.name)).toEqual(['L']);
    expect(config.diagnostics.length).toBeLessThanOrEqual(101);
    expect(config.diagnostics.every((d) => d.code === 'lakefile-unsupported')).toBe(true);
  });

  it('refuses a lean_lib declaration too long to read', () => {
    const roots = Array.from({ length: 60_000 }, (_, i) => `\`M${i}`).join(', ');
    const config = parseLakefileLean(`lean_lib L where\n  roots := #[${roots}]\n`, 'lakefile.lean');
    expect(config.leanLibs).toEqual([]);
    expect(config.diagnostics).toMatchObject([{ code: 'lakefile-unsupported', severity: 'error' }]);
  });
});
