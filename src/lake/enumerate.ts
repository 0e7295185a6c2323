/**
 * Module enumeration following Lake's rules. A library's modules are the `.lean` files under its
 * source dir (`<package srcDir>/<lib srcDir>`) that Lake can build for it:
 * - every module a glob matches: `one N` is `N`; `submodules N` (`N.+`) every module below `N`;
 *   `andSubmodules N` (`N.*`) `N` and every module below it;
 * - every module below a root `R` when some glob matches `R` (Lake's `isBuildableModule`), so
 *   with the default globs (`one` of each root) a root's whole tree belongs to the library.
 * A module's source root is the first root (declaration order) that prefixes it, else the name of
 * the first glob that selected it. Order is by module name; a module reached by two libraries
 * belongs to the first declared one. Symlinks are followed only when they stay inside the root:
 * every directory entered and every root file is judged by its real path before it is read.
 * Paths taken from a lakefile (source dirs) must stay inside the project the same way: no
 * absolute paths, no `..` that leaves the root, no symlink whose target is outside it.
 */
import { type Dirent, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { type LakeDiagnostic, type LakeGlob, type LeanLibDecl, lakeFinding } from './lakefile-types.js';
import {
  compareNames,
  describeModuleNameProblem,
  isModulePrefix,
  moduleNameProblem,
  moduleToDir,
  moduleToFile,
} from './module-name.js';

/** A discovered Lean source module. */
export interface LeanModuleDescriptor {
  /** Dotted module name. */
  readonly module: string;
  /** Absolute path of the `.lean` file. */
  readonly path: string;
  /** Root (or glob name) the module was found under. */
  readonly sourceRoot: string;
  /** `lean_lib` the module belongs to. */
  readonly library: string;
}

/** A library with its resolved absolute source dir. */
export interface ResolvedLib {
  readonly decl: LeanLibDecl;
  readonly srcDir: string;
}

/** True when `child` is `root` or lies below it (both absolute, normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Outcome of resolving a lakefile path. */
export type ResolvedPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly diagnostic: LakeDiagnostic };

/**
 * Resolve `relative` (from a lakefile field named `subject`) against the real project root.
 * The lexical path must stay inside the root, and so must its real path when it exists.
 */
export async function resolveInsideRoot(
  realRoot: string,
  relative: string,
  subject: string,
): Promise<ResolvedPath> {
  const outside = (target: string): ResolvedPath => {
    const message = `${subject} (${relative}) resolves to ${target}, outside the project root ${realRoot}`;
    return { ok: false, diagnostic: lakeFinding('path-escapes-root', message, { path: target, subject }) };
  };
  if (path.isAbsolute(relative)) return outside(path.normalize(relative));
  const lexical = path.resolve(realRoot, relative);
  if (!isInside(realRoot, lexical)) return outside(lexical);
  const real = await fs.realpath(lexical).catch(() => null);
  return real === null || isInside(realRoot, real) ? { ok: true, path: lexical } : outside(real);
}

function componentProblem(component: string): string | null {
  const problem = component.includes('.') ? 'bad-character' : moduleNameProblem(component);
  return problem === null ? null : describeModuleNameProblem(problem);
}

const globMatches = (glob: LakeGlob, module: string): boolean =>
  glob.kind === 'one'
    ? glob.module === module
    : glob.kind === 'submodules'
      ? module !== glob.module && isModulePrefix(glob.module, module)
      : isModulePrefix(glob.module, module);

class Walker {
  readonly found = new Map<string, LeanModuleDescriptor>();
  readonly diagnostics: LakeDiagnostic[] = [];
  private readonly visitedDirs = new Set<string>();

  constructor(private readonly realRoot: string) {}

  add(module: string, file: string, lib: ResolvedLib): void {
    if (this.found.has(module)) return;
    const root = lib.decl.roots.find((r) => isModulePrefix(r, module));
    const glob = lib.decl.globs.find((g) => globMatches(g, module));
    const sourceRoot = root ?? glob?.module ?? module;
    this.found.set(module, { module, path: file, sourceRoot, library: lib.decl.name });
  }

  /** Stat through every link on the path, refusing a real path outside the root. */
  async safeStat(target: string): Promise<Stats | null> {
    try {
      const real = await fs.realpath(target);
      if (!this.inside(target, real)) return null;
      return await fs.stat(real);
    } catch (err) {
      this.unreadable(target, err);
      return null;
    }
  }

  /** True when `real` (the real path of `target`) is inside the root; else a finding. */
  inside(target: string, real: string): boolean {
    if (isInside(this.realRoot, real)) return true;
    const message = `${target} resolves to ${real}, outside the project root ${this.realRoot}`;
    this.diagnostics.push(lakeFinding('path-escapes-root', message, { path: target }));
    return false;
  }

  /** A finding for `err`, unless it only says that `target` is not there. */
  unreadable(target: string, err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    const message = `could not read ${target}: ${(err as Error).message}`;
    this.diagnostics.push(lakeFinding('unreadable-file', message, { path: target }));
  }

  /** Add every `.lean` file below `dir` as a submodule of `prefix`. */
  async walk(dir: string, prefix: string, lib: ResolvedLib): Promise<void> {
    let real: string;
    let entries: Dirent[];
    try {
      real = await fs.realpath(dir);
      if (this.visitedDirs.has(real)) return;
      this.visitedDirs.add(real);
      // Every directory entered is judged by its real path: a linked library or root directory
      // that leads outside the root is a finding, never read.
      if (!this.inside(dir, real)) return;
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      this.unreadable(dir, err);
      return;
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    const subdirs: Array<Promise<void>> = [];
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      // A link is judged by what it leads to (and only when that is inside the root).
      const target = entry.isSymbolicLink() ? await this.safeStat(full) : entry;
      const isDir = target?.isDirectory() ?? false;
      if (!isDir && !(target?.isFile() && entry.name.endsWith('.lean'))) continue;
      const stem = isDir ? entry.name : entry.name.slice(0, -5);
      const module = `${prefix}.${stem}`;
      const problem = componentProblem(stem);
      if (problem !== null) {
        const message = `invalid Lean module name \`${module}\`: ${problem}`;
        this.diagnostics.push(lakeFinding('invalid-module-name', message, { path: full, subject: module }));
        continue;
      }
      if (isDir) subdirs.push(this.walk(full, module, lib));
      else this.add(module, full, lib);
    }
    await Promise.all(subdirs);
  }

  async include(module: string, lib: ResolvedLib, withSelf: boolean, withBelow: boolean): Promise<void> {
    if (withSelf) {
      const file = moduleToFile(lib.srcDir, module);
      if ((await this.safeStat(file))?.isFile()) this.add(module, file, lib);
    }
    if (withBelow) await this.walk(moduleToDir(lib.srcDir, module), module, lib);
  }
}

/** Enumerate the modules of `libs` (in declaration order), sorted by module name. */
export async function enumerateModules(
  realRoot: string,
  libs: readonly ResolvedLib[],
): Promise<{ modules: LeanModuleDescriptor[]; diagnostics: LakeDiagnostic[] }> {
  const walker = new Walker(realRoot);
  for (const lib of libs) {
    for (const root of lib.decl.roots) {
      if (lib.decl.globs.some((g) => globMatches(g, root))) await walker.include(root, lib, true, true);
    }
    for (const glob of lib.decl.globs) {
      await walker.include(glob.module, lib, glob.kind !== 'submodules', glob.kind !== 'one');
    }
  }
  const modules = [...walker.found.values()].sort((a, b) => compareNames(a.module, b.module));
  return { modules, diagnostics: walker.diagnostics };
}

/** True when `module` exists as a file or directory under one of `srcDirs`. */
export async function moduleRootExists(srcDirs: readonly string[], module: string): Promise<boolean> {
  const stat = (p: string) => fs.stat(p).catch(() => null);
  const found = await Promise.all(
    srcDirs.flatMap((dir) => [
      stat(moduleToFile(dir, module)).then((s) => s?.isFile()),
      stat(moduleToDir(dir, module)).then((s) => s?.isDirectory()),
    ]),
  );
  return found.includes(true);
}
