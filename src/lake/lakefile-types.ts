/**
 * What the planner takes from a lakefile, whichever format it is in, and the typed diagnostics of
 * Lake discovery.
 */

/** Lake's glob kinds: `Foo` (`one`), `Foo.+` (`submodules`, strict), `Foo.*` (`andSubmodules`). */
export type LakeGlobKind = 'one' | 'submodules' | 'andSubmodules';

/** One module glob of a `lean_lib`. */
export interface LakeGlob {
  readonly kind: LakeGlobKind;
  readonly module: string;
}

/** A declared `lean_lib` with Lake's defaults applied. */
export interface LeanLibDecl {
  /** Target name. */
  readonly name: string;
  /** Library source dir relative to the package source dir. @default "." */
  readonly srcDir: string;
  /** Root modules. @default [name] */
  readonly roots: readonly string[];
  /** Module globs. @default roots as `one` globs */
  readonly globs: readonly LakeGlob[];
  /** Marked `@[default_target]` (Lean DSL) or listed in `defaultTargets` (TOML). */
  readonly isDefaultTarget: boolean;
}

/** Stable codes of discovery diagnostics. */
export type LakeDiagnosticCode =
  | 'missing-lake-root'
  | 'missing-module-root'
  | 'invalid-module-name'
  | 'unreadable-file'
  | 'not-regular-file'
  | 'file-too-large'
  | 'lakefile-syntax'
  | 'lakefile-unsupported'
  | 'path-escapes-root'
  | 'module-file-missing'
  | 'unknown-library';

/** One discovery finding. Errors stop discovery; warnings are reported with the result. */
export interface LakeDiagnostic {
  readonly code: LakeDiagnosticCode;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** File or directory concerned, when there is one. */
  readonly path?: string;
  /** 1-based line in {@link path}, when known. */
  readonly line?: number;
  /** Module, library or construct concerned, when there is one. */
  readonly subject?: string;
}

/** A finding: `where` names its path, line and subject, in that order. */
export function lakeFinding(
  code: LakeDiagnosticCode,
  message: string,
  where: Pick<LakeDiagnostic, 'path' | 'line' | 'subject'> = {},
  severity: LakeDiagnostic['severity'] = 'error',
): LakeDiagnostic {
  return { code, severity, message, ...where };
}

/** Parsed lakefile, either format. */
export interface LakefileConfig {
  readonly format: 'toml' | 'lean';
  /** Package name, or null when the lakefile does not state one. */
  readonly packageName: string | null;
  /** Package source dir relative to the project root. @default "." */
  readonly packageSrcDir: string;
  /** Declared libraries in declaration order. */
  readonly leanLibs: readonly LeanLibDecl[];
  /** Names of the default targets (any target kind). */
  readonly defaultTargets: readonly string[];
  /** Findings while reading the lakefile (unsupported constructs, ...). */
  readonly diagnostics: readonly LakeDiagnostic[];
}

/** A library's default globs: each root as a `one` glob. */
export const rootGlobs = (roots: readonly string[]): LakeGlob[] =>
  roots.map((module) => ({ kind: 'one', module }));

/** Parse a glob string as Lake's TOML decoder does: `Foo`, `Foo.+` or `Foo.*`. */
export function parseGlobString(text: string): LakeGlob | null {
  const kind = text.endsWith('.*') ? 'andSubmodules' : text.endsWith('.+') ? 'submodules' : 'one';
  const module = kind === 'one' ? text : text.slice(0, -2);
  return module.length > 0 ? { kind, module } : null;
}

/** The config of a lakefile that did not parse: nothing from it is trusted, only `syntax` is reported. */
export function unparsedLakefile(format: LakefileConfig['format'], syntax: LakeDiagnostic): LakefileConfig {
  return {
    format,
    packageName: null,
    packageSrcDir: '.',
    leanLibs: [],
    defaultTargets: [],
    diagnostics: [syntax],
  };
}
