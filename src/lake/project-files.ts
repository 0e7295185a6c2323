/** The small project files around a lakefile: `lake-manifest.json`, `lean-toolchain`, hashing. */
import { createHash } from 'node:crypto';
import { LakeDiscoveryError } from './errors.js';
import { type LakeDiagnostic, lakeFinding } from './lakefile-types.js';
import { describeRefusal, type FileRefusal, readRegularFile } from './read-file.js';

/** One dependency of `lake-manifest.json`. */
export interface LakeManifestPackage {
  readonly name: string;
  /** `git` or `path`. */
  readonly type: string;
  readonly rev: string | null;
  readonly inputRev: string | null;
  readonly url: string | null;
  readonly dir: string | null;
}

/** The parts of `lake-manifest.json` the planner reports. */
export interface LakeManifest {
  readonly version: number | string | null;
  readonly packagesDir: string | null;
  readonly packages: readonly LakeManifestPackage[];
}

/** Hex SHA-256 of bytes. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The discovery error of a project file that was not read (a missing one only when it is required). */
export function refusalError(file: string, refusal: FileRefusal): LakeDiscoveryError {
  const { reason } = refusal;
  const code = reason === 'not-regular-file' || reason === 'file-too-large' ? reason : 'unreadable-file';
  const message = reason === 'missing' ? `could not read ${file}` : describeRefusal(file, refusal);
  return new LakeDiscoveryError([lakeFinding(code, message, { path: file })], {
    cause: refusal.reason === 'unreadable' ? refusal.error : undefined,
  });
}

/**
 * Read a project file: null when it does not exist; a typed error (`not-regular-file`,
 * `file-too-large`, `unreadable-file`) when it is not a regular file of at most `maxBytes`.
 */
export async function readOptional(file: string, maxBytes: number): Promise<Buffer | null> {
  const read = await readRegularFile(file, maxBytes);
  if (read.ok) return read.bytes;
  if (read.reason === 'missing') return null;
  throw refusalError(file, read);
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Parse `lake-manifest.json` bytes; a warning diagnostic when it is not the expected shape. */
export function parseLakeManifest(bytes: Buffer, file: string): LakeManifest | LakeDiagnostic {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    const message = `lake-manifest.json is not valid JSON: ${(err as Error).message}`;
    return lakeFinding('lakefile-syntax', message, { path: file }, 'warning');
  }
  const doc = json as Record<string, unknown> | null;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.packages)) {
    const message = 'lake-manifest.json has no packages array';
    return lakeFinding('lakefile-syntax', message, { path: file }, 'warning');
  }
  const packages = doc.packages.flatMap((p): LakeManifestPackage[] => {
    const r = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    const name = str(r.name);
    if (name === null) return [];
    const [rev, inputRev, url, dir] = [str(r.rev), str(r.inputRev), str(r.url), str(r.dir)];
    return [{ name, type: str(r.type) ?? 'unknown', rev, inputRev, url, dir }];
  });
  const version = typeof doc.version === 'number' || typeof doc.version === 'string' ? doc.version : null;
  return { version, packagesDir: str(doc.packagesDir), packages };
}

/** The toolchain named by a `lean-toolchain` file (first non-empty line), or null. */
export function parseToolchainFile(bytes: Buffer): string | null {
  const line = bytes
    .toString('utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return line ?? null;
}
