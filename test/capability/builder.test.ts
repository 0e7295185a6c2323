import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BootstrapCode } from '../../src/capability/bootstrap.js';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { CHILD_ENV_ALLOWLIST } from '../../src/capability/child-env.js';
import { defineStreamingCommand } from '../../src/commands.js';
import { HandshakeError, MetadataMismatchError } from '../../src/errors.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { standInCapability } from '../helpers/capability.js';
import { caughtError } from '../helpers/errors.js';

const bin = path.resolve(import.meta.dirname, '../../fixtures/bin');
const projects = path.resolve(import.meta.dirname, '../../fixtures/lake/projects');
const child = path.join(bin, 'lean-rs-worker-child');
const lake = path.join(bin, 'lake');
const lean = path.join(bin, 'lean');
const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
const baseEnv = { PATH: process.env.PATH ?? '', HOME: '/home/test', LC_ALL: 'C', SECRET_TOKEN: 'x' };
const base = {
  projectRoot: path.join(projects, 'lean-dsl'),
  package: 'dsl-demo',
  libName: 'Core',
  lakeCommand: lake,
  leanCommand: lean,
};

describe('LeanWorkerCapabilityBuilder options and key', () => {
  it('rejects unknown keys with INVALID_OPTIONS', () => {
    expect(() => new LeanWorkerCapabilityBuilder({ ...base, import: ['X'] } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
    expect(() => new LeanWorkerCapabilityBuilder({ ...base, policy: { maxRequest: 3 } } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
  });

  it('refuses an export declared with two kinds, its issue shaped as every option issue', async () => {
    const echoRows = defineStreamingCommand({
      export: 'echo',
      request: z.object({}),
      row: z.unknown(),
      summary: z.unknown(),
    });
    const err = await caughtError(
      async () =>
        new LeanWorkerCapabilityBuilder({ ...base, exports: { echo: 'json' }, commands: [echoRows] }),
    );
    expect(err.code).toBe(ErrorCode.INVALID_OPTIONS);
    expect(err.facts.issues).toEqual([{ path: 'commands', code: 'custom', message: expect.any(String) }]);
  });

  it('forms a key that keeps import order and separates what must not share a worker', () => {
    const key = (o: object) =>
      new LeanWorkerCapabilityBuilder(
        { ...base, worker: { command: child }, ...o },
        { env: baseEnv },
      ).sessionKey();
    // The child keys its sessions by the ordered import list.
    expect(key({ imports: ['B', 'A'] })).not.toBe(key({ imports: ['A', 'B'] }));
    expect(key({ imports: ['A', 'B'] })).toBe(key({ imports: ['A', 'B'] }));
    expect(key({ imports: ['A'] })).not.toBe(key({ imports: ['B'] }));
    // Every knob that changes how the child behaves or loads the capability.
    for (const knob of [
      { leanSysroot: '/opt/lean-a' },
      { numThreads: 2 },
      { leanMaxMemoryKib: 1024 },
      { moduleCache: { maxEntries: 3 } },
      { policy: { hardMemoryLimitKib: 4096 } },
      { maxFrameBytes: 2 << 20 },
      { module: 'Core.Main' },
      { exports: { x: 'stream' } },
    ]) {
      expect(key(knob), JSON.stringify(knob)).not.toBe(key({}));
    }
    expect(key({ exports: { x: 'stream' } })).not.toBe(key({ exports: { x: 'json' } }));
    expect(key({ exports: { a: 'json', b: 'json' } })).toBe(key({ exports: { b: 'json', a: 'json' } }));
    expect(key({ importProfile: 'server' })).not.toBe(key({}));
    expect(key({ policy: { maxImports: 2 } })).not.toBe(key({}));
    expect(key({ policy: {} })).toBe(key({}));
    expect(key({ sessionPoolCapacity: 2 })).not.toBe(key({}));
    expect(key({ worker: { command: child, args: ['--x'] } })).not.toBe(key({}));
    expect(key({ metadata: { export: 'm', request: { a: 1, b: 2 } } })).toBe(
      key({ metadata: { export: 'm', request: { b: 2, a: 1 } } }),
    );
    expect(key({ requestTimeoutMs: 5 })).toBe(key({}));
    expect(key({ projectRoot: `${base.projectRoot}/../lean-dsl` })).toBe(key({}));
    expect(key({})).toContain(JSON.stringify(child));
    expect(key({ worker: { command: child, env: { A: '1', B: '2' } } })).toBe(
      key({ worker: { command: child, env: { B: '2', A: '1' } } }),
    );
    expect(key({ worker: { command: child, env: { A: '1' } } })).not.toBe(key({}));
    // A pinned worker version is part of the child's identity.
    expect(key({ worker: { command: child, version: '0.7.3' } })).not.toBe(key({}));
    expect(key({ worker: { command: child, version: '0.7.3' } })).not.toBe(
      key({ worker: { command: child, version: '0.7.4' } }),
    );
    expect(key({ worker: { command: child, version: '0.7.3' } })).toBe(
      key({ worker: { command: child, version: '0.7.3' } }),
    );
  });

  it('gives a replaced child binary a new key, and computes a key once per builder', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-key-'));
    try {
      const file = path.join(dir, 'child');
      writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 });
      const make = () =>
        new LeanWorkerCapabilityBuilder({ ...base, worker: { command: file } }, { env: baseEnv });
      const first = make();
      const before = first.sessionKey();
      expect(make().sessionKey()).toBe(before);
      rmSync(file);
      writeFileSync(file, '#!/bin/sh\n# a newer build\n', { mode: 0o755 });
      expect(make().sessionKey()).not.toBe(before);
      expect(first.sessionKey()).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('child location and environment', () => {
  it('finds the child through LEAN_RS_WORKER_CHILD or PATH and reports failures statically', async () => {
    const viaEnv = new LeanWorkerCapabilityBuilder(base, {
      env: { ...baseEnv, LEAN_RS_WORKER_CHILD: child },
    });
    expect(viaEnv.locateChild()).toMatchObject({ ok: true, source: 'env', command: child });
    const viaPath = new LeanWorkerCapabilityBuilder(base, { env: { ...baseEnv, PATH: bin } });
    expect(viaPath.locateChild()).toMatchObject({ ok: true, source: 'path', command: child });
    const missing = new LeanWorkerCapabilityBuilder(base, {
      env: { ...baseEnv, LEAN_RS_WORKER_CHILD: '/nope/child' },
    });
    expect((await missing.staticChecks())[0]?.code).toBe(BootstrapCode.CHILD_UNRESOLVED);
    const notExec = new LeanWorkerCapabilityBuilder({
      ...base,
      worker: { command: path.join(projects, 'lean-dsl', 'lakefile.lean') },
    });
    expect((await notExec.staticChecks())[0]?.code).toBe(BootstrapCode.CHILD_NOT_EXECUTABLE);
  });

  it('resolves: builds, discovers the sysroot, and assembles the launch spec', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-builder-'));
    temps.push(dir);
    const log = path.join(dir, 'lake.log');
    const env = { ...baseEnv, FAKE_LAKE_LOG: log, FAKE_LEAN_PREFIX: '/opt/lean-4.22' };
    const builder = new LeanWorkerCapabilityBuilder(
      {
        ...base,
        imports: ['Core'],
        worker: { command: child, args: ['--stdio'], env: { LEAN_BACKTRACE: '1', EXTRA: 'y' } },
        numThreads: 3,
        moduleCache: { maxEntries: 2 },
      },
      { env },
    );
    const resolved = await builder.resolve();
    const calls = (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(calls).toEqual([{ argv: ['build', 'Core:shared'], cwd: base.projectRoot }]);
    expect(resolved.key).toBe(builder.sessionKey());
    expect(resolved.launch.command).toBe(child);
    expect(resolved.launch.args).toEqual(['--stdio']);
    expect(resolved.launch.env).toMatchObject({
      LEAN_SYSROOT: '/opt/lean-4.22',
      LEAN_ABORT_ON_PANIC: '1',
      LEAN_BACKTRACE: '1',
      RUST_BACKTRACE: '0',
      LEAN_RS_NUM_THREADS: '3',
      LEAN_RS_MODULE_CACHE_MAX_ENTRIES: '2',
      EXTRA: 'y',
      HOME: '/home/test',
      LC_ALL: 'C',
    });
    expect(resolved.launch.env.SECRET_TOKEN).toBeUndefined();
    expect(Object.keys(resolved.launch.env).every((k) => !k.startsWith('FAKE_'))).toBe(true);
    expect(CHILD_ENV_ALLOWLIST).toContain('PATH');
    expect(resolved.toolchain).toMatchObject({
      sysrootSource: 'lean-print-prefix',
      toolchainFile: 'leanprover/lean4:v4.22.0',
    });
    expect(resolved.toolchain.leanVersion).toContain('4.22.0');
    expect(resolved.session).toMatchObject({
      imports: ['Core'],
      importProfile: 'private',
      mode: { kind: 'capability', lib_name: 'Core' },
    });
    expect(resolved.metadata).toBeNull();
  });

  it('opens no session without imports, exports or a metadata check', async () => {
    const builder = new LeanWorkerCapabilityBuilder(
      { ...base, worker: { command: child }, skipBuild: true, leanSysroot: '/s' },
      { env: baseEnv },
    );
    const resolved = await builder.resolve();
    expect(resolved.session).toBeNull();
    expect(resolved.build).toBeNull();
    expect(resolved.manifestPath).toBeNull();
    expect(resolved.launch.env.LEAN_SYSROOT).toBe('/s');
    // A metadata export needs a manifest, and a manifest needs a toolchain with lean.h.
    const err = await caughtError(() => builder.validateMetadata('meta', {}).resolve());
    expect([err.code, err.facts.bootstrapCode]).toEqual([
      ErrorCode.BOOTSTRAP,
      BootstrapCode.CAPABILITY_PREFLIGHT,
    ]);
    const withCheck = await builder
      .with({ ...standInCapability(), exports: {} })
      .validateMetadata('meta', {})
      .resolve();
    expect(withCheck.session?.imports).toEqual([]);
    expect(withCheck.session?.mode).toMatchObject({
      kind: 'capability',
      manifest_path: withCheck.manifestPath,
    });
    expect(withCheck.metadata).toEqual({ export: 'meta', request: {} });
    expect(withCheck.exports?.kinds).toEqual({ meta: 'json' });
  });

  it('types a failed build with the output tail', async () => {
    const builder = new LeanWorkerCapabilityBuilder(
      { ...base, worker: { command: child } },
      { env: { ...baseEnv, FAKE_LAKE_EXIT: '1', FAKE_LAKE_OUTPUT: 'error: unknown target' } },
    );
    const err = await caughtError(() => builder.resolve());
    expect(err.code).toBe(ErrorCode.CAPABILITY_BUILD);
    expect(err.facts).toMatchObject({ exitCode: 1, args: ['build', 'Core:shared'], timedOut: false });
    expect(String(err.facts.outputTail)).toContain('unknown target');
  });

  it('kills a build that passes its deadline', async () => {
    const builder = new LeanWorkerCapabilityBuilder(
      { ...base, worker: { command: child }, buildTimeoutMs: 200 },
      { env: { ...baseEnv, FAKE_LAKE_SLEEP_MS: '20000' } },
    );
    const err = await caughtError(() => builder.resolve());
    expect([err.code, err.facts.timedOut]).toEqual([ErrorCode.CAPABILITY_BUILD, true]);
  });

  it('fails with BOOTSTRAP when no sysroot can be found and the build is not skipped', async () => {
    const builder = new LeanWorkerCapabilityBuilder(
      { ...base, worker: { command: child } },
      { env: { ...baseEnv, FAKE_LEAN_FAIL: '1' } },
    );
    const err = await caughtError(() => builder.resolve());
    expect([err.code, err.facts.bootstrapCode]).toEqual([ErrorCode.BOOTSTRAP, BootstrapCode.STARTUP_FAILED]);
  });
});

describe('check()', () => {
  it('reports static findings without a probe and never throws', async () => {
    const report = await new LeanWorkerCapabilityBuilder(
      { ...base, libName: 'Missing' },
      { env: { PATH: '' } },
    ).check();
    expect(report.ok).toBe(false);
    expect(report.probed).toBe(false);
    expect(report.checks.map((c) => [c.code, c.severity])).toEqual([
      [BootstrapCode.CHILD_UNRESOLVED, 'error'],
      [BootstrapCode.CAPABILITY_PREFLIGHT, 'error'],
    ]);
  });

  it('reads a lakefile.toml in the static checks: a declared library passes, an undeclared one does not', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-toml-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'lakefile.toml'), 'name = "p"\n\n[[lean_lib]]\nname = "Core"\n');
    const checks = (libName: string) =>
      new LeanWorkerCapabilityBuilder({ ...base, projectRoot: dir, libName, worker: { command: child } })
        .staticChecks()
        .then((found) => found.map((c) => [c.code, c.severity, c.subject]));
    expect(await checks('Core')).toEqual([]);
    expect(await checks('Other')).toEqual([[BootstrapCode.CAPABILITY_PREFLIGHT, 'error', 'Other']]);
    // TOML the parser refuses leaves the reader unsure: a warning, not an error.
    await writeFile(path.join(dir, 'lakefile.toml'), '[[lean_lib]\nname = "Core"\n');
    expect(await checks('Core')).toEqual([[BootstrapCode.CAPABILITY_PREFLIGHT, 'warning', 'Core']]);
  });

  it('maps probe failures onto bootstrap codes and compares metadata', async () => {
    const builder = new LeanWorkerCapabilityBuilder(
      { ...base, ...standInCapability(), exports: {}, worker: { command: child } },
      { env: baseEnv },
    );
    expect((await builder.check(async () => undefined)).ok).toBe(true);
    const handshake = await builder.check(async () => {
      throw new HandshakeError(ErrorCode.HANDSHAKE, 'no handshake');
    });
    expect(handshake.firstError?.code).toBe(BootstrapCode.HANDSHAKE_FAILED);
    const expected = {
      commands: [
        { name: 'a', version: '1' },
        { name: 'b', version: '1' },
      ],
      capabilities: [],
      lean_version: null,
      extra: null,
    };
    const expecting = builder.expectMetadata('meta', {}, expected);
    const reordered = { ...expected, commands: [...expected.commands].reverse() };
    expect((await expecting.check(async () => ({ metadata: reordered }))).ok).toBe(true);
    const wrong = await expecting.check(async () => ({ metadata: { ...expected, commands: [] } }));
    expect(wrong.firstError?.code).toBe(BootstrapCode.METADATA_MISMATCH);
    const thrown = await builder.check(async () => {
      throw new MetadataMismatchError(ErrorCode.METADATA_MISMATCH, 'x', { facts: { export: 'meta' } });
    });
    expect(thrown.firstError).toMatchObject({ code: BootstrapCode.METADATA_MISMATCH, subject: 'meta' });
    const crash = await builder.check(async () => {
      throw new Error('x'.repeat(5000));
    });
    expect(crash.firstError?.code).toBe(BootstrapCode.STARTUP_FAILED);
    expect(Buffer.byteLength(crash.firstError?.message ?? '')).toBeLessThanOrEqual(1027);
  });

  it('reports a failed build during a probed check as startup_failed', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-check-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'lakefile.toml'), '[[lean_lib]]\nname = "Core"\n');
    const builder = new LeanWorkerCapabilityBuilder(
      { ...base, projectRoot: dir, worker: { command: child } },
      { env: { ...baseEnv, FAKE_LAKE_EXIT: '2' } },
    );
    const report = await builder.check(async () => undefined);
    expect(report.firstError).toMatchObject({ code: BootstrapCode.STARTUP_FAILED, subject: 'lake build' });
  });
});
