/**
 * `lakefile.toml` reader. Understood keys: top-level `name`, `srcDir`, `defaultTargets`, and per
 * `[[lean_lib]]` table `name`, `srcDir`, `roots` (string or array), `globs` (string or array of
 * `Foo` / `Foo.+` / `Foo.*`). Other keys are Lake settings that do not change which modules a
 * library has and are ignored. A wrongly typed understood key is a diagnostic, never a guess.
 */
import { parse, TomlError } from 'smol-toml';
import {
  type LakeDiagnostic,
  type LakefileConfig,
  type LakeGlob,
  type LeanLibDecl,
  lakeFinding,
  parseGlobString,
  rootGlobs,
  unparsedLakefile,
} from './lakefile-types.js';

function stringList(value: unknown): string[] | null {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return null;
}

/** Parse the text of a `lakefile.toml`; `file` is used in diagnostics only. */
export function parseLakefileToml(text: string, file: string): LakefileConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parse(text) as Record<string, unknown>;
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    const message = `lakefile.toml is not valid TOML: ${(err as Error).message.split('\n')[0]}`;
    const where = { path: file, ...(line === undefined ? {} : { line }) };
    return unparsedLakefile('toml', lakeFinding('lakefile-syntax', message, where));
  }
  const diagnostics: LakeDiagnostic[] = [];
  const bad = (subject: string, message: string): void => {
    diagnostics.push(lakeFinding('lakefile-unsupported', message, { path: file, subject }));
  };
  /** A source dir: `.` when absent, and (after a finding) when not a string. */
  const dirOf = (value: unknown, subject: string, message: string): string => {
    if (value === undefined || typeof value === 'string') return value ?? '.';
    bad(subject, message);
    return '.';
  };

  const packageName = typeof doc.name === 'string' && doc.name.trim() !== '' ? doc.name.trim() : null;
  const packageSrcDir = dirOf(doc.srcDir, 'srcDir', 'package srcDir must be a string');
  const targets = stringList(doc.defaultTargets ?? []);
  if (targets === null) bad('defaultTargets', 'defaultTargets must be an array of strings');
  const defaultTargets = targets ?? [];

  const leanLibs: LeanLibDecl[] = [];
  const rawLibs = doc.lean_lib ?? [];
  if (!Array.isArray(rawLibs)) bad('lean_lib', 'lean_lib must be an array of tables ([[lean_lib]])');
  else {
    rawLibs.forEach((entry: unknown, index) => {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        bad(`lean_lib[${index}]`, 'lean_lib entries must be tables');
        return;
      }
      const table = entry as Record<string, unknown>;
      const name = typeof table.name === 'string' ? table.name.trim() : '';
      if (name === '') {
        bad(`lean_lib[${index}]`, 'lean_lib entry has no name');
        return;
      }
      const srcDir = dirOf(table.srcDir, name, `lean_lib ${name}: srcDir must be a string`);
      let roots = [name];
      if (table.roots !== undefined) {
        const list = stringList(table.roots);
        if (list === null) bad(name, `lean_lib ${name}: roots must be a string or an array of strings`);
        else roots = list;
      }
      let globs = rootGlobs(roots);
      if (table.globs !== undefined) {
        const parsed = stringList(table.globs)?.map(parseGlobString);
        if (parsed?.every((g) => g !== null)) globs = parsed as LakeGlob[];
        else bad(name, `lean_lib ${name}: globs must be Foo, Foo.+ or Foo.* strings`);
      }
      leanLibs.push({ name, srcDir, roots, globs, isDefaultTarget: defaultTargets.includes(name) });
    });
  }
  return { format: 'toml', packageName, packageSrcDir, leanLibs, defaultTargets, diagnostics };
}
