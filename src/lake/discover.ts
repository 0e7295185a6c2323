/**
 * Lake project discovery: find the Lake root (`<root>` or `<root>/lean`), read the lakefile,
 * manifest and toolchain, enumerate library modules, and fingerprint the source set. Any
 * error-severity finding throws {@link LakeDiscoveryError}; warnings come back with the result.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LeanHeader } from '../protocol/lean-header.js';
import {
  enumerateModules,
  type LeanModuleDescriptor,
  moduleRootExists,
  type ResolvedLib,
  resolveInsideRoot,
} from './enumerate.js';
import { LakeDiscoveryError } from './errors.js';
import { expandHome, fallbackLibs, findLakeRoot, readLakefile } from './lake-root.js';
import { type LakeDiagnostic, type LeanLibDecl, lakeFinding } from './lakefile-types.js';
import { compareNames, describeModuleNameProblem, isModulePrefix, moduleNameProblem } from './module-name.js';
import {
  type LakeManifest,
  parseLakeManifest,
  parseToolchainFile,
  readOptional,
  sha256Hex,
} from './project-files.js';
import { DEFAULT_MAX_PROJECT_FILE_BYTES } from './read-file.js';
import { scanFiles } from './scan.js';

/** Discovery options. */
export interface LakeDiscoveryOptions {
  /** Project directory (the Lake root, or a directory with the Lake root in `lean/`); `~` expands. */
  readonly root: string;
  /** Only modules under these roots (each must exist in an enumerated library). @default all roots */
  readonly sourceRoots?: readonly string[];
  /** Only these libraries' modules. @default every declared `lean_lib` */
  readonly libraries?: readonly string[];
  /** Parse every module's header. @default false */
  readonly headers?: boolean;
  /** Hash every source file into `fingerprint.contentSha256`. @default false */
  readonly contentHash?: boolean;
  /**
   * Cap on `lakefile.*`, `lake-manifest.json` and `lean-toolchain`; a larger one is a
   * `file-too-large` error. @default DEFAULT_MAX_PROJECT_FILE_BYTES (4 MiB)
   */
  readonly maxProjectFileBytes?: number;
}

/** Stable facts about the discovered source set (cache-key material, not a cache decision). */
export interface LeanModuleSetFingerprint {
  /** Contents of `lean-toolchain`, or null when absent. */
  readonly toolchain: string | null;
  readonly lakefileSha256: string;
  /** Null when there is no `lake-manifest.json`. */
  readonly manifestSha256: string | null;
  readonly sourceCount: number;
  /** Newest source mtime, decimal nanoseconds since the epoch. */
  readonly sourceMaxMtimeNs: string;
  /** SHA-256 over `module NUL sha256 LF` for every module in order; null unless requested. */
  readonly contentSha256: string | null;
}

/** A discovered Lake project. */
export interface LakeProject {
  readonly requestedRoot: string;
  /** Real path of the Lake root. */
  readonly projectRoot: string;
  readonly lakefile: string;
  readonly lakefileFormat: 'toml' | 'lean';
  readonly packageName: string | null;
  /** Declared libraries with Lake defaults applied, declaration order. */
  readonly libraries: readonly LeanLibDecl[];
  /** Declared `lean_lib` names, sorted; empty when the lakefile declares none. */
  readonly declaredLeanLibs: readonly string[];
  readonly defaultTargets: readonly string[];
  /** Roots walked: declared library roots, or top-level `*.lean` stems when none are declared. */
  readonly moduleRoots: readonly string[];
  readonly selectedRoots: readonly string[];
  /** Modules sorted by name. */
  readonly modules: readonly LeanModuleDescriptor[];
  /** Module name -> header, when headers were requested. */
  readonly headers: ReadonlyMap<string, LeanHeader> | null;
  readonly fingerprint: LeanModuleSetFingerprint;
  readonly manifest: LakeManifest | null;
  /** Warnings (errors throw). */
  readonly diagnostics: readonly LakeDiagnostic[];
}

function nameDiagnostic(name: string, what: string): LakeDiagnostic | null {
  const problem = moduleNameProblem(name);
  if (problem === null) return null;
  const message = `invalid Lean module name \`${name}\` (${what}): ${describeModuleNameProblem(problem)}`;
  return lakeFinding('invalid-module-name', message, { subject: name });
}

/** Discover a Lake project's modules and fingerprint them. */
export async function discoverLakeProject(options: LakeDiscoveryOptions): Promise<LakeProject> {
  const requestedRoot = path.resolve(expandHome(options.root));
  const realRequested = await fs.realpath(requestedRoot).catch(() => null);
  const found = realRequested === null ? null : await findLakeRoot(realRequested);
  if (found === null) {
    const message = `no Lake project (lakefile.lean or lakefile.toml) at ${requestedRoot} or ${path.join(requestedRoot, 'lean')}`;
    throw new LakeDiscoveryError([lakeFinding('missing-lake-root', message, { path: requestedRoot })]);
  }
  const projectRoot = found.root;
  const warnings: LakeDiagnostic[] = [];
  if (found.both) {
    const message = 'both lakefile.lean and lakefile.toml exist; Lake uses lakefile.lean';
    warnings.push(lakeFinding('lakefile-unsupported', message, { path: found.lakefile }, 'warning'));
  }
  const maxFileBytes = options.maxProjectFileBytes ?? DEFAULT_MAX_PROJECT_FILE_BYTES;
  const { sha256: lakefileSha256, config } = await readLakefile(found.lakefile, maxFileBytes);
  const errors: LakeDiagnostic[] = config.diagnostics.filter((d) => d.severity === 'error');
  warnings.push(...config.diagnostics.filter((d) => d.severity === 'warning'));

  const declaredLeanLibs = [...new Set(config.leanLibs.map((l) => l.name))].sort(compareNames);
  // No lean_lib: walk top-level `*.lean` stems (loose-script projects), as the original does.
  let libs = config.leanLibs.length > 0 ? [...config.leanLibs] : await fallbackLibs(projectRoot);
  const wanted = options.libraries;
  if (wanted !== undefined) {
    for (const name of wanted.filter((n) => !libs.some((l) => l.name === n)))
      errors.push(lakeFinding('unknown-library', `library \`${name}\` is not declared`, { subject: name }));
    libs = libs.filter((l) => wanted.includes(l.name));
  }
  for (const lib of libs) {
    for (const name of [...lib.roots, ...lib.globs.map((g) => g.module)]) {
      const diag = nameDiagnostic(name, `lean_lib ${lib.name}`);
      if (diag) errors.push({ ...diag, path: found.lakefile });
    }
  }
  const pkgSrc = await resolveInsideRoot(projectRoot, config.packageSrcDir, 'package srcDir');
  if (!pkgSrc.ok) errors.push(pkgSrc.diagnostic);
  const resolved: ResolvedLib[] = [];
  for (const lib of libs) {
    if (!pkgSrc.ok) break;
    const rel = path.join(path.relative(projectRoot, pkgSrc.path) || '.', lib.srcDir);
    const src = await resolveInsideRoot(projectRoot, rel, `lean_lib ${lib.name} srcDir`);
    if (src.ok) resolved.push({ decl: lib, srcDir: src.path });
    else errors.push(src.diagnostic);
  }
  const moduleRoots = [...new Set(libs.flatMap((l) => l.roots))].sort(compareNames);
  const selectedRoots = options.sourceRoots ? [...options.sourceRoots] : moduleRoots;
  const srcDirs = resolved.map((lib) => lib.srcDir);
  for (const root of selectedRoots) {
    const diag = nameDiagnostic(root, 'selected source root');
    if (diag) errors.push(diag);
    else if (!(await moduleRootExists(srcDirs, root))) {
      const message = `module root \`${root}\` was not found in ${projectRoot}`;
      errors.push(lakeFinding('missing-module-root', message, { path: projectRoot, subject: root }));
    }
  }
  if (errors.length > 0) throw new LakeDiscoveryError(errors);

  const enumerated = await enumerateModules(projectRoot, resolved);
  const enumErrors = enumerated.diagnostics.filter((d) => d.severity === 'error');
  if (enumErrors.length > 0) throw new LakeDiscoveryError(enumErrors);
  let modules = enumerated.modules;
  if (options.sourceRoots) {
    const roots = [...selectedRoots].sort(compareNames);
    modules = modules.flatMap((m) => {
      const root = roots.find((r) => isModulePrefix(r, m.module));
      return root === undefined ? [] : [{ ...m, sourceRoot: root }];
    });
  }
  const manifestFile = path.join(projectRoot, 'lake-manifest.json');
  const [manifestBytes, toolchainBytes] = await Promise.all([
    readOptional(manifestFile, maxFileBytes),
    readOptional(path.join(projectRoot, 'lean-toolchain'), maxFileBytes),
  ]);
  const parsed = manifestBytes && parseLakeManifest(manifestBytes, manifestFile);
  if (parsed && !('packages' in parsed)) warnings.push(parsed);
  const paths = modules.map((m) => m.path);
  const scanned = await scanFiles(paths, { headers: !!options.headers, hash: !!options.contentHash });
  const scanErrors: LakeDiagnostic[] = [];
  let maxMtime = 0n;
  const content = options.contentHash ? ([] as string[]) : null;
  const headers = options.headers ? new Map<string, LeanHeader>() : null;
  scanned.forEach((entry, i) => {
    const mod = modules[i]!;
    if (entry.error !== null) {
      const message = `could not read ${mod.path}: ${entry.error}`;
      scanErrors.push(lakeFinding('unreadable-file', message, { path: mod.path, subject: mod.module }));
      return;
    }
    const mtime = BigInt(entry.mtimeNs);
    if (mtime > maxMtime) maxMtime = mtime;
    content?.push(`${mod.module}\0${entry.sha256}\n`);
    if (headers && entry.header) headers.set(mod.module, entry.header);
  });
  if (scanErrors.length > 0) throw new LakeDiscoveryError(scanErrors);
  return {
    requestedRoot,
    projectRoot,
    lakefile: found.lakefile,
    lakefileFormat: config.format,
    packageName: config.packageName,
    libraries: config.leanLibs,
    declaredLeanLibs,
    defaultTargets: config.defaultTargets,
    moduleRoots,
    selectedRoots,
    modules,
    headers,
    fingerprint: {
      toolchain: toolchainBytes === null ? null : parseToolchainFile(toolchainBytes),
      lakefileSha256,
      manifestSha256: manifestBytes === null ? null : sha256Hex(manifestBytes),
      sourceCount: modules.length,
      sourceMaxMtimeNs: maxMtime.toString(),
      contentSha256: content === null ? null : sha256Hex(content.join('')),
    },
    manifest: parsed && 'packages' in parsed ? parsed : null,
    diagnostics: warnings,
  };
}
