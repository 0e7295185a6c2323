/**
 * The source scan: per file, stat (mtime in ns), optional SHA-256 of the bytes, optional header
 * parse, on the main thread in slices that yield to the event loop. A scan across worker threads
 * (piscina) was measured against this at 1,000, 10,000 and 50,000 files and never won on the
 * reference machine (docs/performance.md, planner), so there is one path.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { type LeanHeader, parseLeanHeader } from '../protocol/lean-header.js';
import { describeRefusal, readRegularFileSync } from './read-file.js';

/** Largest source file read for its header or hash: far above any real Lean module. @default 256 MiB */
export const MAX_SOURCE_FILE_BYTES = 256 * 1024 * 1024;

/** What to compute for each file: its Lean header, the SHA-256 of its bytes. */
type ScanWhat = { readonly headers: boolean; readonly hash: boolean };

/** One file's scan result. */
export interface ScanEntry {
  /** Modification time, decimal nanoseconds since the epoch. */
  readonly mtimeNs: string;
  readonly size: number;
  /** Hex SHA-256 of the bytes, or null when not requested. */
  readonly sha256: string | null;
  /** Parsed header, or null when not requested. */
  readonly header: LeanHeader | null;
  /** Set when the file could not be read. */
  readonly error: string | null;
}

/** Files handled between two yields to the event loop. */
const SLICE_FILES = 64;

function scanOne(file: string, what: ScanWhat): ScanEntry {
  try {
    const stat = statSync(file, { bigint: true });
    const mtimeNs = stat.mtimeNs.toString();
    if (!what.headers && !what.hash)
      return { mtimeNs, size: Number(stat.size), sha256: null, header: null, error: null };
    // Only a regular file is read (a FIFO or a device swapped in after discovery is refused).
    const read = readRegularFileSync(file, MAX_SOURCE_FILE_BYTES);
    if (!read.ok) throw new Error(describeRefusal(file, read));
    const sha256 = what.hash ? createHash('sha256').update(read.bytes).digest('hex') : null;
    const header = what.headers ? parseLeanHeader(read.bytes.toString('utf8')) : null;
    return { mtimeNs, size: read.bytes.length, sha256, header, error: null };
  } catch (err) {
    return { mtimeNs: '0', size: 0, sha256: null, header: null, error: (err as Error).message };
  }
}

/**
 * Scan `files`, results in input order. Uses synchronous file calls (on the measured machine an
 * async `readFile` of a small file costs ~6x a synchronous one, through the libuv pool) in slices
 * of {@link SLICE_FILES}, yielding to the event loop between slices.
 */
export async function scanFiles(files: readonly string[], what: ScanWhat): Promise<ScanEntry[]> {
  const out: ScanEntry[] = [];
  for (let i = 0; i < files.length; i += SLICE_FILES) {
    if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (const file of files.slice(i, i + SLICE_FILES)) out.push(scanOne(file, what));
  }
  return out;
}
