/**
 * The builder's side of the capability manifest: which exports a builder declares (its commands,
 * its `exports` map, its metadata export), and the manifest a resolved worker opens its session
 * with: the user's own (`manifestPath`, used as is after a static check) or one the builder writes
 * into `.lake/lean-rs-build-cache/` from the built library and the discovered toolchain.
 */
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, makeError } from '../errors.js';
import { nodeCrypto } from '../node-crypto.js';
import {
  type BootstrapCheck,
  BootstrapCode,
  bootstrapCheck,
  bootstrapError,
  LoaderCode,
} from './bootstrap.js';
import { isFile, statOrNull } from './child-locator.js';
import {
  capabilityManifest,
  dylibCandidates,
  type ExportKind,
  exportSignature,
  hostTriple,
  MANIFEST_CACHE_DIR,
  manifestFileName,
  manifestText,
} from './manifest.js';
import { checkManifest, type ManifestFacts, writeManifestIfChanged } from './manifest-file.js';
import type { ResolvedBuilderOptions } from './options.js';
import type { ToolchainFacts } from './toolchain.js';

/** Every export a builder's leases may call, with its command kind. */
export function declaredExports(o: ResolvedBuilderOptions): Record<string, ExportKind> {
  const out: Record<string, ExportKind> = {};
  const declare = (name: string, kind: ExportKind, where: string) => {
    const seen = out[name];
    if (seen !== undefined && seen !== kind) {
      const issue = {
        path: where,
        code: 'custom',
        message: `export ${name} declared twice with different kinds`,
      };
      throw makeError(ErrorCode.INVALID_OPTIONS, `export ${name} is declared as ${seen} and as ${kind}`, {
        facts: { issues: [issue] },
      });
    }
    out[name] = kind;
  };
  for (const [name, kind] of Object.entries(o.exports)) declare(name, kind, 'exports');
  for (const command of o.commands) declare(command.export, command.kind, 'commands');
  if (o.metadata) declare(o.metadata.export, 'json', 'metadata.export');
  return out;
}

/** The path a user-supplied manifest resolves to (against the project root). */
export function userManifestPath(o: ResolvedBuilderOptions): string | undefined {
  return o.manifestPath === undefined ? undefined : path.resolve(o.projectRoot, o.manifestPath);
}

/** SHA-256 of a user manifest's bytes for the session key; `unreadable` when it cannot be read. */
export function userManifestDigest(o: ResolvedBuilderOptions): string | null {
  const file = userManifestPath(o);
  if (file === undefined) return null;
  try {
    return nodeCrypto().createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return 'unreadable';
  }
}

/** Newest modification time of the library's `.lean` sources (`<Lib>.lean`, `<Lib>/**`), or null. */
export function newestSourceMs(projectRoot: string, libName: string): number | null {
  let newest: number | null = null;
  const note = (file: string) => {
    const st = statOrNull(file);
    if (st?.isFile()) newest = Math.max(newest ?? 0, st.mtimeMs);
  };
  const base = path.join(projectRoot, ...libName.split('.'));
  note(`${base}.lean`);
  const stack = [base];
  let budget = 100_000;
  while (stack.length > 0 && budget-- > 0) {
    const dir = stack.pop() as string;
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) stack.push(path.join(dir, e.name));
      else if (e.isFile() && e.name.endsWith('.lean')) note(path.join(dir, e.name));
    }
  }
  return newest;
}

/** Static findings about a user-supplied manifest (no toolchain comparison: that needs discovery). */
export function userManifestChecks(o: ResolvedBuilderOptions): BootstrapCheck[] {
  const file = userManifestPath(o);
  if (file === undefined) return [];
  const newest = o.skipBuild ? newestSourceMs(o.projectRoot, o.libName) : null;
  return checkManifest(file, { newestSourceMs: newest }).checks;
}

const SOURCE_NAMES: Record<NonNullable<ToolchainFacts['sysrootSource']>, string> = {
  explicit: 'ExplicitSysroot',
  'worker-env': 'ExplicitSysroot',
  'parent-env': 'LeanSysrootEnv',
  'lean-print-prefix': 'Path',
};

type LakePackageEntry = Readonly<Partial<Record<'name' | 'type' | 'dir' | 'subDir', unknown>>>;

/** Where Lake keeps a dependency: its `dir` (path require), else `<packagesDir>/<name>[/<subDir>]` (git). */
function packageRoot(projectRoot: string, packagesDir: unknown, pkg: LakePackageEntry): string | null {
  if (typeof pkg.dir === 'string') return path.join(projectRoot, pkg.dir);
  if (pkg.type !== 'git' || typeof pkg.name !== 'string') return null;
  const dir = typeof packagesDir === 'string' ? packagesDir : '.lake/packages';
  const base = path.join(projectRoot, dir, pkg.name);
  return typeof pkg.subDir === 'string' ? path.join(base, pkg.subDir) : base;
}

/**
 * `lean_rs_interop_shims` from `lake-manifest.json`, recorded as the original records that
 * dependency (its library opened first, its symbols exported to dependents); a git require is
 * found under Lake's packages directory as well as a path require.
 */
function interopDependencies(projectRoot: string): unknown[] {
  let manifest: { packagesDir?: unknown; packages?: LakePackageEntry[] };
  try {
    manifest = JSON.parse(readFileSync(path.join(projectRoot, 'lake-manifest.json'), 'utf8'));
  } catch {
    return [];
  }
  const out: unknown[] = [];
  for (const pkg of Array.isArray(manifest.packages) ? manifest.packages : []) {
    if (pkg?.name !== 'lean_rs_interop_shims') continue;
    const at = packageRoot(projectRoot, manifest.packagesDir, pkg);
    if (at === null) continue;
    let root: string;
    try {
      root = realpathSync(at);
    } catch {
      continue;
    }
    const [fresh, old] = dylibCandidates(root, 'lean_rs_interop_shims', 'LeanRsInterop') as [string, string];
    out.push({
      name: 'lean_rs_interop_shims',
      dylib_path: isFile(fresh) || !isFile(old) ? fresh : old,
      export_symbols_for_dependents: true,
      initializer: { package: 'lean_rs_interop_shims', module: 'LeanRsInterop' },
    });
  }
  return out;
}

/**
 * The manifest a worker opens its session with, or null when the builder declares no export and
 * names no manifest. Throws `BOOTSTRAP` with a loader code (and writes nothing) when the manifest
 * cannot be trusted.
 */
export function prepareManifest(
  o: ResolvedBuilderOptions,
  toolchain: ToolchainFacts,
  declared: Readonly<Record<string, ExportKind>>,
): ManifestFacts | null {
  const newest = o.skipBuild ? newestSourceMs(o.projectRoot, o.libName) : null;
  const expect = { headerSha256: toolchain.headerSha256, newestSourceMs: newest };
  const checked = (file: string): ManifestFacts | null => {
    const { checks, manifest } = checkManifest(file, expect);
    if (checks.length > 0) throw bootstrapError(checks.slice(0, 1));
    return manifest;
  };
  const userFile = userManifestPath(o);
  if (userFile !== undefined) return checked(userFile);
  const names = Object.keys(declared).sort();
  if (names.length === 0) return null;
  const fail = (code: BootstrapCheck['code'], subject: string, message: string, hint: string) =>
    bootstrapError([bootstrapCheck(code, 'error', subject, message, hint)]);
  if (toolchain.sysroot === null || toolchain.headerSha256 === null || toolchain.versionString === null) {
    const message = `cannot write the capability manifest: no Lean toolchain with include/lean/lean.h was found (${toolchain.problems.join('; ') || 'no sysroot'})`;
    const hint = 'install the toolchain the capability was built with, or pass leanSysroot';
    throw fail(BootstrapCode.CAPABILITY_PREFLIGHT, toolchain.sysroot ?? 'LEAN_SYSROOT', message, hint);
  }
  const projectRoot = realpathSync(o.projectRoot);
  const candidates = dylibCandidates(projectRoot, o.package, o.libName);
  const primaryDylib = candidates.find(isFile);
  if (primaryDylib === undefined) {
    const message = `\`lake build ${o.libName}:shared\` produced no shared library (looked for ${candidates.join(', ')})`;
    const hint = `declare \`${o.libName}\` as a lean_lib of package \`${o.package}\` and run \`lake build ${o.libName}:shared\``;
    throw fail(LoaderCode.MISSING_PRIMARY_DYLIB, candidates[0]!, message, hint);
  }
  const exports = names.map((name) => exportSignature(name, declared[name] as ExportKind));
  const text = manifestText(
    capabilityManifest({
      projectRoot,
      targetName: o.libName,
      package: o.package,
      module: o.module ?? o.libName,
      primaryDylib,
      toolchain: {
        leanVersion: toolchain.versionString,
        resolvedVersion: toolchain.versionString,
        headerSha256: toolchain.headerSha256,
        sysroot: toolchain.sysroot,
        source: SOURCE_NAMES[toolchain.sysrootSource ?? 'explicit'],
        leanBinary: toolchain.leanBinary,
      },
      hostTriple: hostTriple(),
      dependencies: interopDependencies(projectRoot),
      exports,
    }),
  );
  const dir = path.join(projectRoot, MANIFEST_CACHE_DIR);
  const file = path.join(dir, manifestFileName(o.libName, exports));
  mkdirSync(dir, { recursive: true });
  writeManifestIfChanged(file, text, statSync(primaryDylib).mtimeMs);
  return checked(file);
}
