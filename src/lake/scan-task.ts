/**
 * Per-file work of a source scan: stat (mtime in ns), optional SHA-256 of the bytes, optional
 * header parse. The same function runs on the main thread (small trees) and in piscina workers
 * (large trees), so both paths give identical results.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { type LeanHeader, parseLeanHeader } from './header.js';

/** What to compute for each file. */
export interface ScanWhat {
  /** Parse the Lean header. */
  readonly headers: boolean;
  /** SHA-256 of the file bytes. */
  readonly hash: boolean;
}

/** One file's scan result. */
export interface ScanEntry {
  /** Modification time, decimal nanoseconds since the epoch. */
  readonly mtimeNs: string;
  /** Size in bytes. */
  readonly size: number;
  /** Hex SHA-256 of the bytes, or null when not requested. */
  readonly sha256: string | null;
  /** Parsed header, or null when not requested. */
  readonly header: LeanHeader | null;
  /** Set when the file could not be read. */
  readonly error: string | null;
}

/** Concurrent file operations in flight per thread. */
const IO_CONCURRENCY = 32;

async function scanOne(file: string, what: ScanWhat): Promise<ScanEntry> {
  try {
    const stat = await fs.stat(file, { bigint: true });
    if (!what.headers && !what.hash) {
      return {
        mtimeNs: stat.mtimeNs.toString(),
        size: Number(stat.size),
        sha256: null,
        header: null,
        error: null,
      };
    }
    const bytes = await fs.readFile(file);
    const sha256 = what.hash ? createHash('sha256').update(bytes).digest('hex') : null;
    const header = what.headers ? parseLeanHeader(bytes.toString('utf8')) : null;
    return { mtimeNs: stat.mtimeNs.toString(), size: bytes.length, sha256, header, error: null };
  } catch (err) {
    return { mtimeNs: '0', size: 0, sha256: null, header: null, error: (err as Error).message };
  }
}

/** Scan `files` with bounded I/O concurrency; results are in input order. */
export async function scanFiles(files: readonly string[], what: ScanWhat): Promise<ScanEntry[]> {
  const out = new Array<ScanEntry>(files.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      out[i] = await scanOne(files[i]!, what);
    }
  };
  await Promise.all(Array.from({ length: Math.min(IO_CONCURRENCY, files.length) }, lane));
  return out;
}
