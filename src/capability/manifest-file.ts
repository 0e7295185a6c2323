/**
 * Capability manifests on disk: reading one and checking it statically as the original's parent
 * does before it spawns anything (missing, malformed, unsupported schema, toolchain fingerprint,
 * primary library missing or stale), and writing one atomically, only when its content changes.
 * Findings carry the original's loader diagnostic codes.
 */
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { nodeCrypto } from '../node-crypto.js';
import { type BootstrapCheck, bootstrapCheck, LoaderCode } from './bootstrap.js';
import { statOrNull } from './child-locator.js';
import { CAPABILITY_MANIFEST_SCHEMA_VERSION, type ExportKind, signatureKind } from './manifest.js';

/** What a parsed manifest tells the pool. */
export interface ManifestFacts {
  readonly path: string;
  readonly primaryDylib: string;
  readonly package: string;
  readonly module: string;
  /** Header digest of the toolchain that built the capability, when recorded. */
  readonly headerSha256: string | null;
  readonly dependencies: readonly string[];
  /** Declared exports by symbol, with the command kind each one can serve (null: neither). */
  readonly exports: Readonly<Record<string, ExportKind | null>>;
  /** The file's bytes, for the session key. */
  readonly text: string;
}

const REBUILD = 'rebuild the capability (lake build <lib>:shared) and let the builder rewrite its manifest';

class Finding extends Error {
  constructor(readonly check: BootstrapCheck) {
    super(check.message);
  }
}

function malformed(file: string, message: string): Finding {
  return new Finding(bootstrapCheck(LoaderCode.MALFORMED_MANIFEST, 'error', file, message, REBUILD));
}

function field(value: Record<string, unknown>, name: string, file: string): string {
  const v = value[name];
  if (typeof v !== 'string') throw malformed(file, `manifest field \`${name}\` must be a string`);
  return v;
}

function parseExports(value: unknown, file: string): Record<string, ExportKind | null> {
  if (!Array.isArray(value)) throw malformed(file, 'manifest field `exports` must be an array');
  const out: Record<string, ExportKind | null> = {};
  for (const entry of value) {
    if (entry === null || typeof entry !== 'object')
      throw malformed(file, 'an export entry is not an object');
    const e = entry as Record<string, unknown>;
    const symbol = field(e, 'symbol', file);
    if (Object.hasOwn(out, symbol)) throw malformed(file, `export \`${symbol}\` is listed twice`);
    const kind = e.kind;
    if (kind !== 'function' && kind !== 'global')
      throw malformed(file, `export \`${symbol}\` has no valid kind`);
    if (!Array.isArray(e.args) || e.return === null || typeof e.return !== 'object') {
      throw malformed(file, `export \`${symbol}\` needs \`args\` and \`return\``);
    }
    out[symbol] = signatureKind({ ...e, symbol });
  }
  return out;
}

/** Read and parse a manifest; a `Finding` for the first problem. */
function parseManifest(file: string): ManifestFacts {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const message = `cannot read the capability manifest ${file}: ${(error as Error).message}`;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw malformed(file, message);
    const hint =
      'pass the capability manifest (*.lean-rs-capability.json) as manifestPath, or leave it out to let the builder write one';
    throw new Finding(bootstrapCheck(LoaderCode.MISSING_MANIFEST, 'error', file, message, hint));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformed(file, `the capability manifest is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw malformed(file, 'the capability manifest is not a JSON object');
  }
  const m = value as Record<string, unknown>;
  if (m.schema_version !== CAPABILITY_MANIFEST_SCHEMA_VERSION) {
    const message = `capability manifest schema ${String(m.schema_version)} is not the supported schema ${CAPABILITY_MANIFEST_SCHEMA_VERSION}`;
    if (typeof m.schema_version !== 'number') throw malformed(file, message);
    const check = bootstrapCheck(LoaderCode.UNSUPPORTED_MANIFEST_SCHEMA, 'error', file, message, REBUILD);
    throw new Finding(check);
  }
  const fingerprint = (m.toolchain_fingerprint ?? {}) as Record<string, unknown>;
  const digest = fingerprint.header_sha256 ?? m.lean_header_sha256;
  const deps = m.dependencies ?? [];
  if (!Array.isArray(deps)) throw malformed(file, 'manifest field `dependencies` must be an array');
  return {
    path: file,
    primaryDylib: field(m, 'primary_dylib', file),
    package: field(m, 'package', file),
    module: field(m, 'module', file),
    headerSha256: typeof digest === 'string' ? digest : null,
    dependencies: deps.map((d) => field((d ?? {}) as Record<string, unknown>, 'dylib_path', file)),
    exports: parseExports(m.exports, file),
    text,
  };
}

const mtime = (file: string): number | null => statOrNull(file)?.mtimeMs ?? null;

/** What the static check compares against. */
export interface ManifestExpectations {
  /** SHA-256 of the `lean.h` the child will run with, when known. */
  readonly headerSha256?: string | null | undefined;
  /** Sources of the library: the primary library must not be older than the newest of them. */
  readonly newestSourceMs?: number | null | undefined;
}

/** Check a manifest statically: the findings (empty when sound) and the facts when it parsed. */
export function checkManifest(
  file: string,
  expect: ManifestExpectations = {},
): { readonly checks: BootstrapCheck[]; readonly manifest: ManifestFacts | null } {
  let manifest: ManifestFacts;
  try {
    manifest = parseManifest(file);
  } catch (error) {
    if (error instanceof Finding) return { checks: [error.check], manifest: null };
    throw error;
  }
  const checks: BootstrapCheck[] = [];
  const add = (code: LoaderCode, subject: string, message: string, hint: string) =>
    checks.push(bootstrapCheck(code, 'error', subject, message, hint));
  const { primaryDylib, headerSha256 } = manifest;
  if (expect.headerSha256 && headerSha256 && headerSha256 !== expect.headerSha256) {
    const message = `the manifest was built against lean.h ${headerSha256}, but the worker's toolchain has ${expect.headerSha256}`;
    const hint = `rebuild the capability with the toolchain the worker runs (LEAN_SYSROOT), then rewrite ${path.basename(file)}`;
    add(LoaderCode.UNSUPPORTED_TOOLCHAIN_FINGERPRINT, headerSha256, message, hint);
  }
  const dylibMs = mtime(primaryDylib);
  if (dylibMs === null) {
    const message = `the primary library ${primaryDylib} named by ${file} is missing`;
    const hint = 'run `lake build <lib>:shared` in the project root';
    add(LoaderCode.MISSING_PRIMARY_DYLIB, primaryDylib, message, hint);
  } else {
    if (dylibMs > (mtime(file) ?? 0)) {
      const message = `the manifest ${file} is older than its primary library ${primaryDylib}`;
      add(LoaderCode.STALE_MANIFEST, file, message, REBUILD);
    }
    if (expect.newestSourceMs != null && expect.newestSourceMs > dylibMs) {
      const message = `the primary library ${primaryDylib} is older than the library's sources`;
      const hint = 'run `lake build <lib>:shared` (or drop skipBuild) so the library matches its sources';
      add(LoaderCode.STALE_MANIFEST, primaryDylib, message, hint);
    }
  }
  for (const dep of manifest.dependencies) {
    if (mtime(dep) !== null) continue;
    const message = `the dependency library ${dep} named by ${file} is missing`;
    add(LoaderCode.MISSING_TRANSITIVE_DEPENDENCY, dep, message, 'build every dependency the manifest names');
  }
  return { checks, manifest };
}

/**
 * Write `text` to `file` through a temporary file and a rename, unless the file already holds
 * exactly that text and is not older than `notOlderThanMs` (the primary library: a manifest older
 * than its library reads as stale). Returns whether it wrote.
 */
export function writeManifestIfChanged(file: string, text: string, notOlderThanMs: number | null): boolean {
  try {
    const current = readFileSync(file, 'utf8');
    const at = mtime(file) ?? 0;
    if (current === text && (notOlderThanMs === null || at >= notOlderThanMs)) return false;
  } catch {
    // absent or unreadable: write it
  }
  const suffix = `${process.pid}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${suffix}`);
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, file);
  } catch (error) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw error;
  }
  return true;
}
