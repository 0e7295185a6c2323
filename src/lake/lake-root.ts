/**
 * Finding a Lake project on disk: the Lake root (`<dir>` or `<dir>/lean`), its lakefile read and
 * parsed (a regular file within the project file cap), and the loose `*.lean` stems a project
 * without `lean_lib` declarations is walked from.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLakefile } from './lakefile.js';
import type { LakefileConfig } from './lakefile-types.js';
import { compareNames } from './module-name.js';
import { refusalError, sha256Hex } from './project-files.js';
import { readRegularFile } from './read-file.js';

/** `~` and `~/...` expanded to the home directory. */
export const expandHome = (p: string): string =>
  p === '~' ? os.homedir() : p.startsWith('~/') ? path.join(os.homedir(), p.slice(2)) : p;

/** Something exists at `p` (a lakefile that is not a regular file is refused when it is read). */
const exists = async (p: string): Promise<boolean> => (await fs.stat(p).catch(() => null)) !== null;

/** A Lake root found under a directory. */
export interface FoundLakeRoot {
  readonly root: string;
  readonly lakefile: string;
  /** Both `lakefile.lean` and `lakefile.toml` exist. */
  readonly both: boolean;
}

/** The Lake root at `dir` or `dir/lean`, or null. */
export async function findLakeRoot(dir: string): Promise<FoundLakeRoot | null> {
  for (const candidate of [dir, path.join(dir, 'lean')]) {
    const lean = path.join(candidate, 'lakefile.lean');
    const toml = path.join(candidate, 'lakefile.toml');
    const [hasLean, hasToml] = await Promise.all([exists(lean), exists(toml)]);
    if (hasLean || hasToml)
      return { root: candidate, lakefile: hasLean ? lean : toml, both: hasLean && hasToml };
  }
  return null;
}

/** A read lakefile: its SHA-256 (for the fingerprint) and what it declares. */
export interface ReadLakefile {
  readonly sha256: string;
  readonly config: LakefileConfig;
}

/** Read and parse a lakefile; a typed discovery error when it cannot be read. */
export async function readLakefile(file: string, maxBytes: number): Promise<ReadLakefile> {
  const read = await readRegularFile(file, maxBytes);
  if (!read.ok) throw refusalError(file, read);
  // Only the hash and the text outlive the read, so the bytes are not held while parsing.
  const sha256 = sha256Hex(read.bytes);
  const text = read.bytes.toString('utf8');
  const config = await parseLakefile(text, file);
  return { sha256, config };
}

/** Top-level `*.lean` stems of `root` (regular files only), the roots of a project without libraries. */
export async function fallbackRoots(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.lean') && e.name !== 'lakefile.lean')
    .map((e) => e.name.slice(0, -5))
    .sort(compareNames);
}
