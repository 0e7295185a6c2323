import { realpathSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LeanModuleSetFingerprint } from '../../src/lake/discover.js';
import { LeanWorkerImportPlanner } from '../../src/planner/planner.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { caughtError } from '../helpers/errors.js';

const projects = path.resolve(import.meta.dirname, '../../fixtures/lake/projects');
const fakeFingerprint: LeanModuleSetFingerprint = {
  toolchain: 'leanprover/lean4:v4.22.0',
  lakefileSha256: '0'.repeat(64),
  manifestSha256: null,
  sourceCount: 0,
  sourceMaxMtimeNs: '0',
  contentSha256: null,
};

describe('LeanWorkerImportPlanner', () => {
  it('plans a Lake project deterministically, grouped by source root and imports', async () => {
    const root = path.join(projects, 'toml-globs');
    const planner = new LeanWorkerImportPlanner({
      projectRoot: root,
      package: 'globdemo',
      libName: 'Demo',
      baseImports: ['Demo'],
    });
    const first = await planner.planLakeProject();
    const second = await planner.planLakeProject();
    expect(second.map((b) => b.toJSON())).toEqual(first.map((b) => b.toJSON()));
    expect(first.map((b) => [b.sourceRoot, b.modules.map((m) => m.module)])).toEqual([
      ['Demo', ['Demo', 'Demo.A', 'Demo.Sub.B']],
      ['Extra.Core', ['Extra.Core', 'Extra.Core.Impl']],
      ['Extra.Plugins', ['Extra.Plugins.P1']],
      ['Extra.Tools', ['Extra.Tools', 'Extra.Tools.Deep.T']],
    ]);
    const real = realpathSync(root);
    expect(first[0]!.fingerprint.batchKey).toBe(
      `project=${real};package=globdemo;lib=Demo;source_root=Demo;imports=Demo;profile=private;policy=Default;modules=Demo,Demo.A,Demo.Sub.B`,
    );
    // source_root partitions batches but not the session key, as in the original.
    expect(new Set(first.map((b) => b.sessionKey)).size).toBe(1);
    expect(first[0]!.fingerprint.toolchain).toBe('leanprover/lean4:v4.22.0');
    expect(JSON.stringify(first)).not.toMatch(/pid|workerId/);
  });

  it('groups explicit work items by canonical import set', async () => {
    const planner = new LeanWorkerImportPlanner({ projectRoot: projects, package: 'p', libName: 'L' });
    const batches = await planner.planWorkItems(
      [
        { module: 'A.Two', path: '/x/A/Two.lean', sourceRoot: 'A', imports: ['Y', 'X'] },
        { module: 'A.One', path: '/x/A/One.lean', sourceRoot: 'A', imports: ['X', 'Y', 'X'] },
        { module: 'A.Three', path: '/x/A/Three.lean', sourceRoot: 'A', imports: ['Z'] },
      ],
      fakeFingerprint,
    );
    expect(batches.map((b) => [b.imports, b.modules.map((m) => m.module)])).toEqual([
      [
        ['X', 'Y'],
        ['A.One', 'A.Two'],
      ],
      [['Z'], ['A.Three']],
    ]);
    expect(batches[0]!.sessionKey).not.toBe(batches[1]!.sessionKey);
    expect(batches[0]!.fingerprint.sourceSet).toBe(fakeFingerprint);
  });

  it('lets each module header decide its batch in per-module mode', async () => {
    const planner = new LeanWorkerImportPlanner({
      projectRoot: path.join(projects, 'headers'),
      package: 'headers',
      libName: 'Hdr',
      importsFrom: 'header',
    });
    const batches = await planner.planLakeProject();
    expect(batches.map((b) => [b.imports, b.modules.map((m) => m.module)])).toEqual([
      [[], ['Hdr.Base']],
      [['Hdr.Base'], ['Hdr.Plain']],
      [
        ['Hdr.Base', 'Hdr.Plain'],
        ['Hdr', 'Hdr.Modsys', 'Hdr.OneLine', 'Hdr.SameSet'],
      ],
    ]);
  });

  it('keeps the metadata expectation and policy class in keys and builders', async () => {
    const common = { projectRoot: projects, package: 'p', libName: 'L' };
    const item = [{ module: 'A', path: '/x/A.lean', sourceRoot: 'A', imports: ['I'] }];
    const plain = await new LeanWorkerImportPlanner(common).planWorkItems(item, fakeFingerprint);
    const custom = await new LeanWorkerImportPlanner({
      ...common,
      policy: { maxRequests: 10 },
      metadata: { export: 'meta', request: { a: 1 } },
    }).planWorkItems(item, fakeFingerprint);
    expect(custom[0]!.sessionKey).not.toBe(plain[0]!.sessionKey);
    expect(custom[0]!.fingerprint.batchKey).toContain('policy=Custom');
    const builder = custom[0]!.capabilityBuilder({ worker: { command: '/bin/true' } });
    expect(builder.options.imports).toEqual(['I']);
    expect(builder.options.policy).toEqual({ maxRequests: 10 });
    expect(builder.metadataExpectation()).toEqual({ export: 'meta', request: { a: 1 } });
  });

  it('types invalid names, unresolved targets, discovery failures and malformed headers', async () => {
    const planner = new LeanWorkerImportPlanner({ projectRoot: projects, package: 'p', libName: 'L' });
    const bad = await caughtError(() =>
      planner.planWorkItems([{ module: 'A.9b', path: '/x', sourceRoot: 'A', imports: [] }], fakeFingerprint),
    );
    expect([bad.code, bad.facts.kind]).toEqual([ErrorCode.PLAN, 'invalid_module_name']);
    const target = await caughtError(() =>
      new LeanWorkerImportPlanner({
        projectRoot: path.join(projects, 'lean-dsl'),
        package: 'p',
        libName: 'Bogus',
      }).planLakeProject(),
    );
    expect([target.code, target.facts.kind]).toEqual([ErrorCode.PLAN, 'unresolved_capability_target']);
    const discovery = await caughtError(() =>
      new LeanWorkerImportPlanner({
        projectRoot: path.join(projects, 'invalid-name'),
        package: 'p',
        libName: 'Demo',
      }).planLakeProject(),
    );
    expect([discovery.code, discovery.facts.kind]).toEqual([ErrorCode.PLAN, 'module_discovery']);

    // A header that cannot be read to its end (an unterminated comment) in header-import mode.
    const root = await mkdtemp(path.join(os.tmpdir(), 'lwp-badhdr-'));
    try {
      await cp(path.join(projects, 'headers'), root, { recursive: true });
      await writeFile(
        path.join(root, 'Hdr', 'Broken.lean'),
        'import Hdr.Base\n/- never closed\nimport Hdr.Plain\n',
      );
      const header = await caughtError(() =>
        new LeanWorkerImportPlanner({
          projectRoot: root,
          package: 'headers',
          libName: 'Hdr',
          importsFrom: 'header',
        }).planLakeProject(),
      );
      expect([header.code, header.facts.kind, header.facts.module]).toEqual([
        ErrorCode.PLAN,
        'invalid_header',
        'Hdr.Broken',
      ]);
      expect(header.facts.issue).toMatchObject({ code: 'unterminated-comment', line: 2 });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('rejects a misspelt configuration key', () => {
    expect(
      () =>
        new LeanWorkerImportPlanner({
          projectRoot: '.',
          package: 'p',
          libName: 'L',
          baseImport: [],
        } as never),
    ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }));
  });
});
