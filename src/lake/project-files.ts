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

/** The diagnostic of a project file that was not read. */
export function refusalDiagnostic(file: string, refusal: FileRefusal): LakeDiagnostic {
  const code =
    refusal.reason === 'not-regular-file'
      ? 'not-regular-file'
      : refusal.reason === 'file-too-large'
        ? 'file-too-large'
        : 'unreadable-file';
  return lakeFinding(code, describeRefusal(file, refusal), { path: file });
}

/**
 * Read a project file: null when it does not exist; a typed error (`not-regular-file`,
 * `file-too-large`, `unreadable-file`) when it is not a regular file of at most `maxBytes`.
 */
export async function readOptional(file: string, maxBytes: number): Promise<Buffer | null> {
  const read = await readRegularFile(file, maxBytes);
  if (read.ok) return read.bytes;
  if (read.reason === 'missing') return null;
  throw new LakeDiscoveryError([refusalDiagnostic(file, read)], {
    cause: read.reason === 'unreadable' ? read.error : undefined,
  });
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
  if (
    typeof json !== 'object' ||
    json === null ||
    !Array.isArray((json as { packages?: unknown }).packages)
  ) {
    return lakeFinding(
      'lakefile-syntax',
      'lake-manifest.json has no packages array',
      { path: file },
      'warning',
    );
  }
  const doc = json as Record<string, unknown>;
  const packages = (doc.packages as unknown[]).flatMap((p): LakeManifestPackage[] => {
    if (typeof p !== 'object' || p === null) return [];
    const r = p as Record<string, unknown>;
    const name = str(r.name);
    if (name === null) return [];
    return [
      {
        name,
        type: str(r.type) ?? 'unknown',
        rev: str(r.rev),
        inputRev: str(r.inputRev),
        url: str(r.url),
        dir: str(r.dir),
      },
    ];
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
