/** The small project files around a lakefile: `lake-manifest.json`, `lean-toolchain`, hashing. */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { LakeDiscoveryError } from './errors.js';
import type { LakeDiagnostic } from './lakefile-types.js';

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

/** Read a file; null when it does not exist; a typed `unreadable-file` error when it cannot be read. */
export async function readOptional(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LakeDiscoveryError(
      [
        {
          code: 'unreadable-file',
          severity: 'error',
          message: `could not read ${file}: ${(err as Error).message}`,
          path: file,
        },
      ],
      { cause: err },
    );
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Parse `lake-manifest.json` bytes; a warning diagnostic when it is not the expected shape. */
export function parseLakeManifest(bytes: Buffer, file: string): LakeManifest | LakeDiagnostic {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return {
      code: 'lakefile-syntax',
      severity: 'warning',
      message: `lake-manifest.json is not valid JSON: ${(err as Error).message}`,
      path: file,
    };
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    !Array.isArray((json as { packages?: unknown }).packages)
  ) {
    return {
      code: 'lakefile-syntax',
      severity: 'warning',
      message: 'lake-manifest.json has no packages array',
      path: file,
    };
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
