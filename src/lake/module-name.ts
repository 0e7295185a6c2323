/**
 * Lean module names: validation (the planner's rule, reference section 5 step 3), ordering and
 * the mapping between names and source paths.
 */
import path from 'node:path';
import type { LeanHeader } from '../protocol/lean-header.js';

/** Why a module name was rejected; `null` when it is valid. */
export type ModuleNameProblem = 'empty' | 'empty-component' | 'bad-first-character' | 'bad-character';

const ASCII_NAME = /^[A-Za-z_][A-Za-z0-9_']*(?:\.[A-Za-z_][A-Za-z0-9_']*)*$/;
const FIRST = /^[\p{L}_]$/u;
const REST = /^[\p{L}\p{N}_']$/u;

/**
 * Check a module name as the planner requires: non-empty, dot-separated non-empty components,
 * each starting with a letter or `_` and continuing with letters, digits, `_` or `'`.
 * Escaped components (`«a-b»`) are not accepted: Lake would need to quote them on every import.
 */
export function moduleNameProblem(name: string): ModuleNameProblem | null {
  if (name.length === 0) return 'empty';
  if (ASCII_NAME.test(name)) return null;
  for (const component of name.split('.')) {
    if (component.length === 0) return 'empty-component';
    const chars = [...component];
    if (!FIRST.test(chars[0]!)) return 'bad-first-character';
    for (let i = 1; i < chars.length; i++) if (!REST.test(chars[i]!)) return 'bad-character';
  }
  return null;
}

const PROBLEM_TEXT: Readonly<Record<ModuleNameProblem, string>> = {
  empty: 'module name is empty',
  'empty-component': 'module name contains an empty component',
  'bad-first-character': 'module components must begin with a letter or underscore',
  'bad-character': 'module components may contain only letters, digits, underscores, or apostrophes',
};

/** Human-readable reason for a {@link ModuleNameProblem}. */
export function describeModuleNameProblem(problem: ModuleNameProblem): string {
  return PROBLEM_TEXT[problem];
}

/** True when `prefix` equals `name` or is a dot-component prefix of it (Lean's `Name.isPrefixOf`). */
export function isModulePrefix(prefix: string, name: string): boolean {
  return name === prefix || name.startsWith(`${prefix}.`);
}

/** Byte-wise (code unit) comparison: the deterministic order used for modules and imports. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `<dir>/A/B/C.lean` for module `A.B.C`. */
export function moduleToFile(dir: string, module: string): string {
  return `${path.join(dir, ...module.split('.'))}.lean`;
}

/** `<dir>/A/B/C` for module `A.B.C`. */
export function moduleToDir(dir: string, module: string): string {
  return path.join(dir, ...module.split('.'));
}

/** Sorted, deduplicated copy: the canonical form of an import set. */
export function canonicalImports(imports: Iterable<string>): string[] {
  // Default sort order is UTF-16 code unit order, the same as compareNames.
  return [...new Set(imports)].sort();
}

/** A header's imported module names, canonical: deduplicated and sorted. */
export function headerImportSet(header: Pick<LeanHeader, 'imports'>): string[] {
  return canonicalImports(header.imports.map((imp) => imp.module));
}
