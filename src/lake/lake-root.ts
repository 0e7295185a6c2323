/**
 * Finding a Lake project on disk: the Lake root (`<dir>` or `<dir>/lean`), its lakefile read and
 * parsed (a regular file within the project file cap), and the loose `*.lean` stems a project
 * without `lean_lib` declarations is walked from.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLakefile } from './lakefile.js';
import { type LakefileConfig, type LeanLibDecl, rootGlobs } from './lakefile-types.js';
import { compareNames } from './module-name.js';
import { refusalError, sha256Hex } from './project-files.js';
import { readRegularFile } from './read-file.js';

/** `~` and `~/...` expanded to the home directory. */
export const expandHome = (p: string): string =>
  p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;

/** Something exists at `p` (a lakefile that is not a regular file is refused when it is read). */
const exists = async (p: string): Promise<boolean> => (await fs.stat(p).catch(() => null)) !== null;

/** The Lake root at `dir` or `dir/lean` with its lakefile (`both`: `.lean` and `.toml` exist), or null. */
export async function findLakeRoot(dir: string) {
  for (const candidate of [dir, path.join(dir, 'lean')]) {
    const lean = path.join(candidate, 'lakefile.lean');
    const toml = path.join(candidate, 'lakefile.toml');
    const [hasLean, hasToml] = await Promise.all([exists(lean), exists(toml)]);
    if (hasLean || hasToml)
      return { root: candidate, lakefile: hasLean ? lean : toml, both: hasLean && hasToml };
  }
  return null;
}

/** A lakefile's SHA-256 (for the fingerprint) and what it declares; a typed discovery error when unread. */
export async function readLakefile(
  file: string,
  maxBytes: number,
): Promise<{ sha256: string; config: LakefileConfig }> {
  const read = await readRegularFile(file, maxBytes);
  if (!read.ok) throw refusalError(file, read);
  // Only the hash and the text outlive the read, so the bytes are not held while parsing.
  const sha256 = sha256Hex(read.bytes);
  const text = read.bytes.toString('utf8');
  const config = await parseLakefile(text, file);
  return { sha256, config };
}

/** One library per top-level `*.lean` stem of `root` (regular files only): a project without libraries. */
export async function fallbackLibs(root: string): Promise<LeanLibDecl[]> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.lean') && e.name !== 'lakefile.lean')
    .map((e) => e.name.slice(0, -5))
    .sort(compareNames)
    .map((name) => ({ name, srcDir: '.', roots: [name], globs: rootGlobs([name]), isDefaultTarget: false }));
}
