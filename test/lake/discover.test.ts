import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverLakeProject } from '../../src/lake/discover.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

const projects = path.resolve(import.meta.dirname, '../../fixtures/lake/projects');
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tempProject(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lwp-discover-'));
  temps.push(root);
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}
async function discoveryCode(root: string, extra: object = {}): Promise<unknown> {
  try {
    await discoverLakeProject({ root, ...extra });
  } catch (err) {
    const e = err as { code: string; facts: { kind: string; diagnostic: { code: string } } };
    expect(e.code).toBe(ErrorCode.PLAN);
    expect(e.facts.kind).toBe('module_discovery');
    return e.facts.diagnostic.code;
  }
  return 'no error';
}

describe('discoverLakeProject', () => {
  it('follows srcDir, roots and each glob kind (TOML)', async () => {
    const p = await discoverLakeProject({ root: path.join(projects, 'toml-globs') });
    expect(p.modules.map((m) => [m.module, m.sourceRoot, m.library])).toEqual([
      ['Demo', 'Demo', 'Demo'],
      ['Demo.A', 'Demo', 'Demo'],
      ['Demo.Sub.B', 'Demo', 'Demo'],
      ['Extra.Core', 'Extra.Core', 'Extra'],
      ['Extra.Core.Impl', 'Extra.Core', 'Extra'],
      ['Extra.Plugins.P1', 'Extra.Plugins', 'Extra'],
      ['Extra.Tools', 'Extra.Tools', 'Extra'],
      ['Extra.Tools.Deep.T', 'Extra.Tools', 'Extra'],
    ]);
    expect(p.modules[0]!.path).toBe(path.join(p.projectRoot, 'src', 'Demo.lean'));
    expect(p.declaredLeanLibs).toEqual(['Demo', 'Extra']);
    expect(p.defaultTargets).toEqual(['Demo']);
    expect(p.fingerprint.toolchain).toBe('leanprover/lean4:v4.22.0');
    expect(p.fingerprint.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(p.fingerprint.sourceCount).toBe(8);
    expect(BigInt(p.fingerprint.sourceMaxMtimeNs) > 0n).toBe(true);
    expect(p.fingerprint.contentSha256).toBeNull();
    expect(p.manifest?.packages).toEqual([]);
  });

  it('reads the Lean DSL subset: package srcDir, Glob constructors, attributes', async () => {
    const p = await discoverLakeProject({ root: path.join(projects, 'lean-dsl') });
    expect(p.packageName).toBe('dsl-demo');
    expect(p.modules.map((m) => [m.module, m.sourceRoot, m.library])).toEqual([
      ['Core', 'Core', 'Core'],
      ['Core.Data.List', 'Core', 'Core'],
      ['Tools.Fmt', 'Tools', 'Tools'],
      ['ToolsMain', 'ToolsMain', 'Tools'],
    ]);
    expect(p.defaultTargets).toEqual(['Core', 'dsl-cli']);
    expect(p.fingerprint.manifestSha256).toBeNull();
    expect(p.diagnostics).toEqual([]);
  });

  it('is deterministic and hashes content on request', async () => {
    const root = path.join(projects, 'toml-globs');
    const a = await discoverLakeProject({ root, contentHash: true, headers: true });
    const b = await discoverLakeProject({ root, contentHash: true, headers: true });
    expect(b.modules).toEqual(a.modules);
    expect(b.fingerprint).toEqual(a.fingerprint);
    expect(a.fingerprint.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect([...(b.headers ?? new Map()).entries()]).toEqual([...(a.headers ?? new Map()).entries()]);
    expect(a.headers?.get('Demo')?.imports.map((i) => i.module)).toEqual(['Demo.A', 'Demo.Sub.B']);
  });

  it('finds a Lake root in lean/', async () => {
    const p = await discoverLakeProject({ root: path.join(projects, 'nested-root') });
    expect(p.projectRoot.endsWith(path.join('nested-root', 'lean'))).toBe(true);
    expect(p.modules.map((m) => m.module)).toEqual(['App', 'App.Main']);
  });

  it('restricts to selected source roots and libraries', async () => {
    const root = path.join(projects, 'toml-globs');
    const bySource = await discoverLakeProject({ root, sourceRoots: ['Demo.Sub'] });
    expect(bySource.modules.map((m) => [m.module, m.sourceRoot])).toEqual([['Demo.Sub.B', 'Demo.Sub']]);
    const byLib = await discoverLakeProject({ root, libraries: ['Extra'] });
    expect(byLib.modules.every((m) => m.library === 'Extra')).toBe(true);
  });

  it('types every discovery failure', async () => {
    expect(await discoveryCode(path.join(projects, 'does-not-exist'))).toBe('missing-lake-root');
    expect(await discoveryCode(path.join(projects, 'toml-globs'), { sourceRoots: ['Missing'] })).toBe(
      'missing-module-root',
    );
    expect(await discoveryCode(path.join(projects, 'toml-globs'), { sourceRoots: ['bad-root'] })).toBe(
      'invalid-module-name',
    );
    expect(await discoveryCode(path.join(projects, 'invalid-name'))).toBe('invalid-module-name');
    expect(await discoveryCode(path.join(projects, 'unsupported'))).toBe('lakefile-unsupported');
    expect(await discoveryCode(path.join(projects, 'escape'))).toBe('path-escapes-root');
    expect(await discoveryCode(path.join(projects, 'toml-globs'), { libraries: ['Nope'] })).toBe(
      'unknown-library',
    );
  });

  it('refuses a symlink that leaves the project root', async () => {
    const outside = await tempProject({ 'Secret.lean': 'def s := 1\n' });
    const root = await tempProject({
      'lakefile.toml': '[[lean_lib]]\nname = "Demo"\n',
      'Demo.lean': 'def d := 1\n',
    });
    await mkdir(path.join(root, 'Demo'));
    await symlink(path.join(outside, 'Secret.lean'), path.join(root, 'Demo', 'Leak.lean'));
    expect(await discoveryCode(root)).toBe('path-escapes-root');
  });

  it('follows a symlink that stays inside the root', async () => {
    const root = await tempProject({
      'lakefile.toml': '[[lean_lib]]\nname = "Demo"\n',
      'Demo.lean': 'def d := 1\n',
      'shared/Util.lean': 'def u := 1\n',
    });
    await mkdir(path.join(root, 'Demo'));
    await symlink(path.join(root, 'shared'), path.join(root, 'Demo', 'Shared'));
    const p = await discoverLakeProject({ root });
    expect(p.modules.map((m) => m.module)).toEqual(['Demo', 'Demo.Shared.Util']);
  });

  it('reports a project file that is a directory as not a regular file', async () => {
    const root = await tempProject({ 'lakefile.toml': '[[lean_lib]]\nname = "Demo"\n', 'Demo.lean': '' });
    await mkdir(path.join(root, 'lean-toolchain'));
    expect(await discoveryCode(root)).toBe('not-regular-file');
  });

  it('falls back to top-level files when no lean_lib is declared, declaring nothing', async () => {
    const root = await tempProject({ 'lakefile.lean': 'package demo\n', 'Loose.lean': '' });
    const p = await discoverLakeProject({ root });
    expect(p.declaredLeanLibs).toEqual([]);
    expect(p.moduleRoots).toEqual(['Loose']);
    expect(p.modules.map((m) => m.module)).toEqual(['Loose']);
  });

  it('prefers lakefile.lean when both lakefiles exist, with a warning', async () => {
    const root = await tempProject({
      'lakefile.lean': 'lean_lib FromLean\n',
      'lakefile.toml': '[[lean_lib]]\nname = "FromToml"\n',
      'FromLean.lean': '',
    });
    const p = await discoverLakeProject({ root });
    expect(p.declaredLeanLibs).toEqual(['FromLean']);
    expect(p.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });
});
