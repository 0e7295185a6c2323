/**
 * The builder's real build path with the test suite's fake `lake` and `lean` on PATH: `lake build
 * <lib>:shared` leaves a shared library, `lean --print-prefix` names a sysroot holding `lean.h`,
 * the builder writes the capability manifest, and strict fixture children (the real child's
 * rules) serve only what that manifest declares.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LoaderCode } from '../../src/capability/bootstrap.js';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { fixturePath } from '../../src/worker/paths.js';
import { ensureStandInLibrary, FAKE_BIN, STAND_IN_SYSROOT } from '../helpers/capability.js';
import { caughtError } from '../helpers/errors.js';
import { makePool, rejection } from '../pool/helpers.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const rows = defineStreamingCommand({
  export: 'rows',
  request: z.object({ count: z.number() }),
  row: z.object({ i: z.number(), text: z.string() }),
  summary: z.object({ ok: z.boolean(), rows: z.number() }),
});
const echo = defineJsonCommand({
  export: 'echo',
  request: z.object({ x: z.number() }),
  response: z.object({ echo: z.object({ x: z.number() }) }),
});

/** A Lake project `demo_tools` with library `DemoTools`, in a temp dir. */
function project(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-real-path-'));
  temps.push(dir);
  writeFileSync(path.join(dir, 'lakefile.toml'), 'name = "demo_tools"\n\n[[lean_lib]]\nname = "DemoTools"\n');
  writeFileSync(path.join(dir, 'DemoTools.lean'), 'def answer : Nat := 42\n');
  return dir;
}

const env = { PATH: `${FAKE_BIN}${path.delimiter}${process.env.PATH ?? ''}`, HOME: os.homedir() };

function builder(root: string, extra: object = {}): LeanWorkerCapabilityBuilder {
  return new LeanWorkerCapabilityBuilder(
    {
      projectRoot: root,
      package: 'demo_tools',
      libName: 'DemoTools',
      imports: ['DemoTools', 'Init'],
      commands: [rows, echo],
      worker: { command: process.execPath, args: [fixturePath('children/test-child')] },
      ...extra,
    },
    { env },
  );
}

describe('the real build path against strict children', () => {
  it('builds, writes the manifest, and runs streaming and JSON commands through a strict child', async () => {
    const root = project();
    const resolved = await builder(root).resolve();
    expect(resolved.build?.args).toEqual(['build', 'DemoTools:shared']);
    expect(resolved.toolchain).toMatchObject({
      sysroot: STAND_IN_SYSROOT,
      sysrootSource: 'lean-print-prefix',
    });
    const dir = path.join(root, '.lake/lean-rs-build-cache');
    const [name] = readdirSync(dir);
    expect(name).toMatch(/^DemoTools-[0-9a-f]{16}\.lean-rs-capability\.json$/);
    expect(resolved.manifestPath).toBe(path.join(dir, name as string));
    const manifest = JSON.parse(readFileSync(resolved.manifestPath as string, 'utf8'));
    expect(manifest).toMatchObject({
      schema_version: 2,
      package: 'demo_tools',
      module: 'DemoTools',
      lean_version: '4.30.0',
      primary_dylib: path.join(root, '.lake/build/lib/libdemo__tools_DemoTools.so'),
      build_toolchain: { source: 'Path', sysroot: STAND_IN_SYSROOT },
    });
    expect(manifest.exports.map((e: { symbol: string }) => e.symbol)).toEqual(['echo', 'rows']);
    // Imports reach the child in the caller's order.
    expect(resolved.session).toMatchObject({
      imports: ['DemoTools', 'Init'],
      mode: { kind: 'capability', manifest_path: resolved.manifestPath },
    });

    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(builder(root));
    const stream = lease.runStreamingCommand(rows, { count: 5 });
    const got = await stream.collect();
    expect(got.rows.map((r) => r.payload.i)).toEqual([0, 1, 2, 3, 4]);
    expect((await stream.summary).metadata).toEqual({ ok: true, rows: 5 });
    expect(await lease.runJsonCommand(echo, { x: 3 })).toEqual({ echo: { x: 3 } });
    // An export the manifest does not declare fails before anything is sent; the lease stays usable.
    const undeclared = (() => {
      try {
        lease.runDataStream('chunked', {});
      } catch (error) {
        return error as { code: string; facts: Record<string, unknown> };
      }
      return null;
    })();
    expect(undeclared?.code).toBe(ErrorCode.EXPORT_NOT_DECLARED);
    expect(undeclared?.facts).toMatchObject({ export: 'chunked', manifestPath: resolved.manifestPath });
    const wrongKind = await rejection(lease.capabilityMetadata('rows'), ErrorCode.EXPORT_NOT_DECLARED);
    expect(wrongKind.facts.declaredKind).toBe('stream');
    expect(lease.isValid).toBe(true);
    expect(await lease.runJsonCommand(echo, { x: 4 })).toEqual({ echo: { x: 4 } });
    await lease.release();
  });

  it('declares a binding per export: a JSON declaration does not serve a data stream', async () => {
    const root = project();
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(builder(root, { commands: [echo], exports: { rows: 'json' } }));
    const refused = await rejection(
      lease.runJsonCommand(echo, { x: 1 }).then(() => lease.runDataStream('rows', {}).collect()),
      ErrorCode.EXPORT_NOT_DECLARED,
    );
    expect(refused.facts.declaredKind).toBe('json');
    await lease.release();
  });

  it('fails with typed errors and spawns nothing for a broken manifest or a missing library', async () => {
    const root = project();
    const marker = path.join(root, 'spawned');
    const markerChild = path.join(root, 'marker-child.mjs');
    writeFileSync(
      markerChild,
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\n`,
    );
    const worker = { command: process.execPath, args: [markerChild] };
    const pool = makePool({ maxWorkers: 1 });

    const broken = path.join(root, 'broken.lean-rs-capability.json');
    writeFileSync(broken, '{"schema_version": 2, "exports": [');
    const malformed = await rejection(
      pool.acquireLease(builder(root, { worker, manifestPath: broken })),
      ErrorCode.BOOTSTRAP,
    );
    expect(malformed.facts).toMatchObject({ bootstrapCode: LoaderCode.MALFORMED_MANIFEST, subject: broken });

    const missing = await rejection(
      pool.acquireLease(builder(root, { worker, manifestPath: 'nowhere.json' })),
      ErrorCode.BOOTSTRAP,
    );
    expect(missing.facts.bootstrapCode).toBe(LoaderCode.MISSING_MANIFEST);
    expect(String(missing.facts.repairHint)).toContain('lean-rs-capability.json');

    const noLib = await caughtError(() =>
      new LeanWorkerCapabilityBuilder(
        { projectRoot: root, package: 'demo_tools', libName: 'DemoTools', commands: [rows], worker },
        { env: { ...env, FAKE_LAKE_NO_LIB: '1' } },
      ).resolve(),
    );
    expect([noLib.code, noLib.facts.bootstrapCode]).toEqual([
      ErrorCode.BOOTSTRAP,
      LoaderCode.MISSING_PRIMARY_DYLIB,
    ]);

    // A manifest built against another toolchain than the one the worker runs with.
    const good = await builder(root, { worker }).resolve();
    const text = readFileSync(good.manifestPath as string, 'utf8').replaceAll(
      JSON.parse(readFileSync(good.manifestPath as string, 'utf8')).lean_header_sha256,
      'f'.repeat(64),
    );
    const foreign = path.join(root, 'foreign.lean-rs-capability.json');
    writeFileSync(foreign, text);
    const mismatch = await rejection(
      pool.acquireLease(builder(root, { worker, manifestPath: foreign })),
      ErrorCode.BOOTSTRAP,
    );
    expect(mismatch.facts.bootstrapCode).toBe(LoaderCode.UNSUPPORTED_TOOLCHAIN_FINGERPRINT);

    const report = await builder(root, { worker, manifestPath: broken }).check();
    expect(report.firstError?.code).toBe(LoaderCode.MALFORMED_MANIFEST);
    expect(existsSync(marker)).toBe(false);
  });

  it('records the interop shims library as a dependency, from a path or a git require', async () => {
    for (const kind of ['path', 'git'] as const) {
      const root = project();
      const shims =
        kind === 'path'
          ? path.join(root, 'shims')
          : path.join(root, '.lake/packages/lean_rs_interop_shims/crates/shims');
      const lib = ensureStandInLibrary(shims, 'lean_rs_interop_shims', 'LeanRsInterop');
      const entry =
        kind === 'path'
          ? { type: 'path', name: 'lean_rs_interop_shims', dir: './shims' }
          : { type: 'git', name: 'lean_rs_interop_shims', subDir: 'crates/shims', rev: 'abc' };
      writeFileSync(
        path.join(root, 'lake-manifest.json'),
        JSON.stringify({ version: '1.1.0', packagesDir: '.lake/packages', packages: [entry] }),
      );
      const resolved = await builder(root).resolve();
      const manifest = JSON.parse(readFileSync(resolved.manifestPath as string, 'utf8'));
      expect(manifest.dependencies, kind).toEqual([
        {
          name: 'lean_rs_interop_shims',
          dylib_path: lib,
          export_symbols_for_dependents: true,
          initializer: { package: 'lean_rs_interop_shims', module: 'LeanRsInterop' },
        },
      ]);
    }
  });
});
