/**
 * Paths taken from a lakefile must stay inside the project: no absolute paths, no `..` that
 * leaves the root, no symlink whose target is outside it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LakeDiagnostic } from './lakefile-types.js';

/** True when `child` is `root` or lies below it (both absolute, normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Outcome of resolving a lakefile path. */
export type ResolvedPath =
  | { readonly ok: true; readonly path: string; readonly exists: boolean }
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
  const outside = (target: string): ResolvedPath => ({
    ok: false,
    diagnostic: {
      code: 'path-escapes-root',
      severity: 'error',
      message: `${subject} (${relative}) resolves to ${target}, outside the project root ${realRoot}`,
      path: target,
      subject,
    },
  });
  if (path.isAbsolute(relative)) return outside(path.normalize(relative));
  const lexical = path.resolve(realRoot, relative);
  if (!isInside(realRoot, lexical)) return outside(lexical);
  try {
    const real = await fs.realpath(lexical);
    if (!isInside(realRoot, real)) return outside(real);
    return { ok: true, path: lexical, exists: true };
  } catch {
    return { ok: true, path: lexical, exists: false };
  }
}
