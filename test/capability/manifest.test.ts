import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoaderCode } from '../../src/capability/bootstrap.js';
import {
  capabilityManifest,
  exportSignature,
  hostTriple,
  manifestEnvVar,
  manifestFileName,
  manifestText,
  screamingSnake,
  signatureKind,
} from '../../src/capability/manifest.js';
import { checkManifest, writeManifestIfChanged } from '../../src/capability/manifest-file.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-manifest-'));
  temps.push(dir);
  return dir;
};

// The original's template capability: `CargoLeanCapability::new("lean", "ShipLeanDemo")`, package
// `ship_lean_demo`, module `ShipLeanDemo`, one export `ship_lean_demo_add : u64 -> u64 -> u64`
// (pure), built against Lean 4.30.0 found through LEAN_SYSROOT, on x86_64 Linux. The expected
// bytes below are written out by hand from how its build helper serialises the manifest
// (serde_json pretty printer over sorted maps: two-space indent, `": "`, no trailing newline).
const HEADER = '5a25125970f4f1dcf85a4c403463b387a8ff93535cd4a3054cafdee1759017d7';
const ROOT = '/work/proj/lean';
const DYLIB = `${ROOT}/.lake/build/lib/libship__lean__demo_ShipLeanDemo.so`;
const U64 = { repr: 'u64', ownership: 'none' } as const;
const ADD = {
  symbol: 'ship_lean_demo_add',
  kind: 'function',
  args: [U64, U64],
  return: { repr: 'u64', ownership: 'none', convention: 'pure' },
} as const;
const GOLDEN = `{
  "build_toolchain": {
    "lean_binary": "/opt/lean-4.30.0/bin/lean",
    "source": "LeanSysrootEnv",
    "sysroot": "/opt/lean-4.30.0",
    "version": "4.30.0"
  },
  "dependencies": [],
  "exports": [
    {
      "args": [
        {
          "ownership": "none",
          "repr": "u64"
        },
        {
          "ownership": "none",
          "repr": "u64"
        }
      ],
      "kind": "function",
      "return": {
        "convention": "pure",
        "ownership": "none",
        "repr": "u64"
      },
      "symbol": "ship_lean_demo_add"
    }
  ],
  "lean_header_sha256": "${HEADER}",
  "lean_version": "4.30.0",
  "manifest_env_var": "LEAN_RS_CAPABILITY_SHIP_LEAN_DEMO_MANIFEST",
  "module": "ShipLeanDemo",
  "package": "ship_lean_demo",
  "primary_dylib": "${DYLIB}",
  "resolved_lean_version": "4.30.0",
  "schema_version": 2,
  "search_dirs": [
    "${ROOT}/.lake/build/lib"
  ],
  "target_name": "ShipLeanDemo",
  "toolchain_fingerprint": {
    "fixture_sha256": "${'0'.repeat(64)}",
    "header_sha256": "${HEADER}",
    "host_triple": "x86_64-unknown-linux-gnu",
    "lean_version": "4.30.0",
    "resolved_version": "4.30.0"
  }
}`;

describe('capability manifest (schema 2)', () => {
  it("writes the original's template capability byte for byte, under the same file name", () => {
    const manifest = capabilityManifest({
      projectRoot: ROOT,
      targetName: 'ShipLeanDemo',
      package: 'ship_lean_demo',
      module: 'ShipLeanDemo',
      primaryDylib: DYLIB,
      toolchain: {
        leanVersion: '4.30.0',
        resolvedVersion: '4.30.0',
        headerSha256: HEADER,
        sysroot: '/opt/lean-4.30.0',
        source: 'LeanSysrootEnv',
        leanBinary: '/opt/lean-4.30.0/bin/lean',
      },
      hostTriple: 'x86_64-unknown-linux-gnu',
      dependencies: [],
      exports: [ADD],
    });
    expect(manifestText(manifest)).toBe(GOLDEN);
    // The name's digest: symbol, NUL, the signature as compact sorted JSON, 0xff, per export.
    const compact =
      '{"args":[{"ownership":"none","repr":"u64"},{"ownership":"none","repr":"u64"}],"kind":"function",' +
      '"return":{"convention":"pure","ownership":"none","repr":"u64"},"symbol":"ship_lean_demo_add"}';
    const digest = createHash('sha256')
      .update(
        Buffer.concat([
          Buffer.from('ship_lean_demo_add'),
          Buffer.from([0]),
          Buffer.from(compact),
          Buffer.from([0xff]),
        ]),
      )
      .digest('hex');
    expect(manifestFileName('ShipLeanDemo', [ADD])).toBe(
      `ShipLeanDemo-${digest.slice(0, 16)}.lean-rs-capability.json`,
    );
    expect(manifestFileName('Ship.Lean Demo', [])).toBe('Ship_Lean_Demo.lean-rs-capability.json');
  });

  it('names environment variables and target triples as the original does', () => {
    expect(screamingSnake('ShipLeanDemo')).toBe('SHIP_LEAN_DEMO');
    expect(screamingSnake('lean_rs-fixture2X')).toBe('LEAN_RS_FIXTURE2_X');
    expect(screamingSnake('__')).toBe('CAPABILITY');
    expect(manifestEnvVar('Mathlib.Tools')).toBe('LEAN_RS_CAPABILITY_MATHLIB_TOOLS_MANIFEST');
    expect(hostTriple('linux', 'x64', true)).toBe('x86_64-unknown-linux-gnu');
    expect(hostTriple('linux', 'arm64', false)).toBe('aarch64-unknown-linux-musl');
    expect(hostTriple('darwin', 'arm64')).toBe('aarch64-apple-darwin');
  });

  it("gives each command kind the ABI shape of the child's binding, and reads it back", () => {
    expect(exportSignature('s', 'stream')).toEqual({
      symbol: 's',
      kind: 'function',
      args: [
        { repr: 'lean_object', ownership: 'owned' },
        { repr: 'usize', ownership: 'none' },
        { repr: 'usize', ownership: 'none' },
      ],
      return: { repr: 'lean_object', ownership: 'owned', convention: 'io_result' },
    });
    expect(exportSignature('j', 'json').args).toEqual([{ repr: 'lean_object', ownership: 'owned' }]);
    expect(signatureKind(exportSignature('s', 'stream'))).toBe('stream');
    expect(signatureKind(exportSignature('j', 'json'))).toBe('json');
    expect(signatureKind(ADD)).toBeNull();
  });
});

describe('static manifest checks', () => {
  function project() {
    const dir = tempDir();
    const dylib = path.join(dir, 'libX.so');
    writeFileSync(dylib, 'lib');
    const file = path.join(dir, 'X.lean-rs-capability.json');
    const write = (patch: Record<string, unknown> = {}) =>
      writeFileSync(
        file,
        JSON.stringify({
          schema_version: 2,
          primary_dylib: dylib,
          package: 'x',
          module: 'X',
          lean_header_sha256: 'aa',
          dependencies: [],
          exports: [exportSignature('s', 'stream'), ADD],
          ...patch,
        }),
      );
    return { dir, dylib, file, write };
  }
  const codes = (file: string, expect_ = {}) => checkManifest(file, expect_).checks.map((c) => c.code);

  it('accepts a sound manifest and reports what it declares', () => {
    const p = project();
    p.write();
    const { checks, manifest } = checkManifest(p.file, { headerSha256: 'aa' });
    expect(checks).toEqual([]);
    expect(manifest?.exports).toEqual({ s: 'stream', ship_lean_demo_add: null });
  });

  it('names each defect with the original loader code', () => {
    const p = project();
    expect(codes(p.file)).toEqual([LoaderCode.MISSING_MANIFEST]);
    writeFileSync(p.file, '{"schema_version": 2,');
    expect(codes(p.file)).toEqual([LoaderCode.MALFORMED_MANIFEST]);
    p.write({ schema_version: 3 });
    expect(codes(p.file)).toEqual([LoaderCode.UNSUPPORTED_MANIFEST_SCHEMA]);
    p.write({ exports: [{ symbol: 'a' }] });
    expect(codes(p.file)).toEqual([LoaderCode.MALFORMED_MANIFEST]);
    p.write({ exports: [exportSignature('a', 'json'), exportSignature('a', 'json')] });
    expect(codes(p.file)).toEqual([LoaderCode.MALFORMED_MANIFEST]);
    p.write({ primary_dylib: 7 });
    expect(codes(p.file)).toEqual([LoaderCode.MALFORMED_MANIFEST]);
    p.write();
    expect(codes(p.file, { headerSha256: 'bb' })).toEqual([LoaderCode.UNSUPPORTED_TOOLCHAIN_FINGERPRINT]);
    p.write({ dependencies: [{ dylib_path: path.join(p.dir, 'gone.so') }] });
    expect(codes(p.file)).toEqual([LoaderCode.MISSING_TRANSITIVE_DEPENDENCY]);
    p.write({ primary_dylib: path.join(p.dir, 'gone.so') });
    expect(codes(p.file)).toEqual([LoaderCode.MISSING_PRIMARY_DYLIB]);
    p.write();
    const later = statSync(p.file).mtimeMs / 1000 + 60;
    utimesSync(p.dylib, later, later);
    expect(codes(p.file)).toEqual([LoaderCode.STALE_MANIFEST]);
    utimesSync(p.dylib, later - 120, later - 120);
    expect(codes(p.file, { newestSourceMs: later * 1000 })).toEqual([LoaderCode.STALE_MANIFEST]);
    expect(codes(p.file, { newestSourceMs: (later - 200) * 1000 })).toEqual([]);
  });

  it('rewrites a manifest only when its content changes or it is older than its library', () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'm.json');
    expect(writeManifestIfChanged(file, 'one', null)).toBe(true);
    const past = Date.now() / 1000 - 3600;
    utimesSync(file, past, past);
    expect(writeManifestIfChanged(file, 'one', null)).toBe(false);
    expect(statSync(file).mtimeMs / 1000).toBeCloseTo(past, 0);
    expect(writeManifestIfChanged(file, 'one', Date.now())).toBe(true);
    expect(writeManifestIfChanged(file, 'two', null)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe('two');
  });
});
