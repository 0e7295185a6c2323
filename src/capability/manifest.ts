/**
 * The capability manifest (schema 2) that `lean-rs-worker-child` loads a capability from. The
 * child binds worker exports only through it: every export a lease calls must be listed with the
 * ABI shape the child's binding for that command kind expects. This module builds the manifest
 * and its file name exactly as the original's Rust build helper writes them (pretty JSON with
 * sorted keys, no trailing newline; the name carries a digest of the export signatures). No I/O.
 */
import path from 'node:path';
import { nodeCrypto } from '../node-crypto.js';
import { sortKeys } from './canonical-json.js';

/** The manifest schema the child reads. */
export const CAPABILITY_MANIFEST_SCHEMA_VERSION = 2;

/** Directory, under the project root, where manifests are written. */
export const MANIFEST_CACHE_DIR = path.join('.lake', 'lean-rs-build-cache');

/**
 * Command kinds as the child binds them: `stream` is `run_data_stream` (`String -> USize -> USize
 * -> IO UInt8`); `json` is `json_command`, `capability_metadata` and `capability_doctor`
 * (`String -> IO String`).
 */
export type ExportKind = 'stream' | 'json';

/** One argument slot of an export. */
export interface ExportArgAbi {
  readonly repr: string;
  readonly ownership: 'none' | 'owned';
}

/** The result slot of an export. */
export interface ExportReturnAbi extends ExportArgAbi {
  readonly convention: 'pure' | 'io_result';
}

/** A trusted signature for one export, as the manifest lists it. */
export interface ExportSignature {
  readonly symbol: string;
  readonly kind: 'function' | 'global';
  readonly args: readonly ExportArgAbi[];
  readonly return: ExportReturnAbi;
}

const LEAN_STRING: ExportArgAbi = { repr: 'lean_object', ownership: 'owned' };
const USIZE: ExportArgAbi = { repr: 'usize', ownership: 'none' };
const IO_RESULT: ExportReturnAbi = { repr: 'lean_object', ownership: 'owned', convention: 'io_result' };

/** The signature the child requires for an export of `kind`. */
export function exportSignature(symbol: string, kind: ExportKind): ExportSignature {
  const args = kind === 'stream' ? [LEAN_STRING, USIZE, USIZE] : [LEAN_STRING];
  return { symbol, kind: 'function', args, return: IO_RESULT };
}

/** The command kind a signature can serve, or null when it fits neither binding. */
export function signatureKind(signature: { readonly symbol: string }): ExportKind | null {
  for (const kind of ['stream', 'json'] as const) {
    const want = exportSignature(signature.symbol, kind);
    if (JSON.stringify(sortKeys(want)) === JSON.stringify(sortKeys(signature))) return kind;
  }
  return null;
}

/** The toolchain a manifest records. */
export interface ManifestToolchain {
  /** `LEAN_VERSION_STRING` of the toolchain (from `version.h`, else `lean --version`). */
  readonly leanVersion: string;
  /** Equal to `leanVersion` unless a known header-identical release names the class. */
  readonly resolvedVersion: string;
  /** SHA-256 of `<sysroot>/include/lean/lean.h`, lowercase hex. */
  readonly headerSha256: string;
  readonly sysroot: string;
  /** How the sysroot was found, in the original's spelling (`ExplicitSysroot`, `LeanSysrootEnv`, `Path`). */
  readonly source: string;
  /** `<sysroot>/bin/lean` when that file exists, else null. */
  readonly leanBinary: string | null;
}

/** Everything a manifest is made of. */
export interface ManifestInputs {
  /** Canonical (real) project root. */
  readonly projectRoot: string;
  readonly targetName: string;
  readonly package: string;
  readonly module: string;
  readonly primaryDylib: string;
  readonly toolchain: ManifestToolchain;
  /** Target triple of the host (`x86_64-unknown-linux-gnu`). */
  readonly hostTriple: string;
  readonly dependencies: readonly unknown[];
  readonly exports: readonly ExportSignature[];
}

/**
 * `ShipLeanDemo` -> `SHIP_LEAN_DEMO`: words break where an upper-case letter follows a lower-case
 * one or a digit, and at runs of other characters (`CAPABILITY` when nothing is left).
 */
export function screamingSnake(input: string): string {
  const words = input
    .replace(/([a-z0-9])(?=[A-Z])/g, '$1_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return words === '' ? 'CAPABILITY' : words.toUpperCase();
}

/** The environment variable a Rust build would export the manifest path under. */
export function manifestEnvVar(target: string): string {
  return `LEAN_RS_CAPABILITY_${screamingSnake(target)}_MANIFEST`;
}

/**
 * The manifest's file name: the target (characters other than ASCII letters, digits, `-` and `_`
 * as `_`), plus 16 hex digits of a digest over the signatures.
 */
export function manifestFileName(target: string, exports: readonly ExportSignature[]): string {
  const name = target.replace(/[^A-Za-z0-9_-]/gu, '_');
  if (exports.length === 0) return `${name}.lean-rs-capability.json`;
  const hash = nodeCrypto().createHash('sha256');
  for (const signature of exports) {
    hash.update(signature.symbol, 'utf8');
    hash.update(Buffer.from([0]));
    hash.update(JSON.stringify(sortKeys(signature)), 'utf8');
    hash.update(Buffer.from([0xff]));
  }
  return `${name}-${hash.digest('hex').slice(0, 16)}.lean-rs-capability.json`;
}

/**
 * Where `lake build <lib>:shared` leaves the library: `lib<package>_<lib>` with `_` in the package
 * doubled (Lake 4.27 and later), else `lib<lib>` (earlier Lake). Returns both, newer first.
 */
export function dylibCandidates(projectRoot: string, pkg: string, target: string): string[] {
  const ext = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
  const dir = path.join(projectRoot, '.lake', 'build', 'lib');
  return [
    path.join(dir, `lib${pkg.replaceAll('_', '__')}_${target}.${ext}`),
    path.join(dir, `lib${target}.${ext}`),
  ];
}

/** The host's target triple as Rust names it. */
export function hostTriple(
  platform: NodeJS.Platform = process.platform,
  arch: string = process.arch,
  glibc: boolean = isGlibc(),
): string {
  const cpu = arch === 'x64' ? 'x86_64' : arch === 'arm64' ? 'aarch64' : arch;
  if (platform === 'darwin') return `${cpu}-apple-darwin`;
  if (platform === 'win32') return `${cpu}-pc-windows-msvc`;
  return `${cpu}-unknown-${platform}-${glibc ? 'gnu' : 'musl'}`;
}

function isGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return typeof report?.header?.glibcVersionRuntime === 'string';
}

/** The manifest object (keys in any order; {@link manifestText} sorts them). */
export function capabilityManifest(inputs: ManifestInputs): Record<string, unknown> {
  const t = inputs.toolchain;
  const libDir = path.join(inputs.projectRoot, '.lake', 'build', 'lib');
  const searchDirs = [...new Set([path.dirname(inputs.primaryDylib), libDir])].sort();
  return {
    schema_version: CAPABILITY_MANIFEST_SCHEMA_VERSION,
    target_name: inputs.targetName,
    package: inputs.package,
    module: inputs.module,
    primary_dylib: inputs.primaryDylib,
    manifest_env_var: manifestEnvVar(inputs.targetName),
    lean_version: t.leanVersion,
    resolved_lean_version: t.resolvedVersion,
    lean_header_sha256: t.headerSha256,
    toolchain_fingerprint: {
      lean_version: t.leanVersion,
      resolved_version: t.resolvedVersion,
      header_sha256: t.headerSha256,
      // The original records a digest of its own workspace's test fixture here; outside that
      // workspace it is 64 zeros, as in every published build.
      fixture_sha256: '0'.repeat(64),
      host_triple: inputs.hostTriple,
    },
    build_toolchain: {
      source: t.source,
      sysroot: t.sysroot,
      version: t.leanVersion,
      lean_binary: t.leanBinary,
    },
    search_dirs: searchDirs,
    dependencies: [...inputs.dependencies],
    exports: inputs.exports.map((e) => ({ ...e })),
  };
}

/** The manifest's bytes: two-space JSON, keys sorted at every level, no trailing newline. */
export function manifestText(manifest: Record<string, unknown>): string {
  return JSON.stringify(sortKeys(manifest), null, 2);
}
