/**
 * Reading files a project or a user names: only regular files, only up to a size cap. The file is
 * opened non-blocking (a FIFO opens at once instead of waiting for a writer) and judged by
 * `fstat` on the open descriptor before any byte is read, so a FIFO, a device or a socket is
 * refused without a read, and a file swapped for one between a check and the open is refused too.
 */
import { closeSync, constants, promises as fs, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** Default cap on a project file (`lakefile.*`, `lake-manifest.json`, `lean-toolchain`): 4 MiB. */
export const DEFAULT_MAX_PROJECT_FILE_BYTES = 4 * 1024 * 1024;

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

/** Why a file was not read. */
export type FileRefusal =
  | { readonly reason: 'missing' }
  | { readonly reason: 'not-regular-file'; readonly fileType: string }
  | { readonly reason: 'file-too-large'; readonly size: number; readonly maxBytes: number }
  | { readonly reason: 'unreadable'; readonly error: NodeJS.ErrnoException };

/** The bytes of a regular file, or why it was not read. */
export type FileRead = { readonly ok: true; readonly bytes: Buffer } | ({ readonly ok: false } & FileRefusal);

function fileType(stat: Stats): string {
  if (stat.isDirectory()) return 'directory';
  if (stat.isFIFO()) return 'fifo';
  if (stat.isCharacterDevice()) return 'character-device';
  if (stat.isBlockDevice()) return 'block-device';
  if (stat.isSocket()) return 'socket';
  return 'other';
}

function refusalOf(err: unknown): FileRead {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return { ok: false, reason: 'missing' };
  return { ok: false, reason: 'unreadable', error: e };
}

/**
 * Judge an open file by its `fstat`, then read it: yields each buffer to fill and takes back the
 * bytes read into it, so the asynchronous and the synchronous reader share one loop.
 */
function* readLoop(stat: Stats, maxBytes: number): Generator<Buffer, FileRead, number> {
  if (!stat.isFile()) return { ok: false, reason: 'not-regular-file', fileType: fileType(stat) };
  if (stat.size > maxBytes) return { ok: false, reason: 'file-too-large', size: stat.size, maxBytes };
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    // The whole file (and one byte to see its end) in the first read, then 64 KiB at a time.
    const room = Math.min(total === 0 ? stat.size + 1 : 1 << 16, maxBytes + 1 - total);
    const chunk = Buffer.allocUnsafe(Math.max(1, room));
    const bytesRead = yield chunk;
    if (bytesRead === 0) return { ok: true, bytes: Buffer.concat(chunks, total) };
    total += bytesRead;
    // Too large after all: the file grew past the cap between `fstat` and the end of the read.
    if (total > maxBytes) return { ok: false, reason: 'file-too-large', size: total, maxBytes };
    chunks.push(chunk.subarray(0, bytesRead));
  }
}

/** Read a regular file of at most `maxBytes` bytes, without blocking the event loop. */
export async function readRegularFile(file: string, maxBytes: number): Promise<FileRead> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, OPEN_FLAGS);
  } catch (err) {
    return refusalOf(err);
  }
  try {
    const loop = readLoop(await handle.stat(), maxBytes);
    let step = loop.next();
    while (!step.done)
      step = loop.next((await handle.read(step.value, 0, step.value.length, null)).bytesRead);
    return step.value;
  } catch (err) {
    return refusalOf(err);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * The synchronous form, for callers that cannot wait. It never blocks on a FIFO or a device (they
 * are refused before any read); a regular file is read in full, so keep `maxBytes` small.
 */
export function readRegularFileSync(file: string, maxBytes: number): FileRead {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    return refusalOf(err);
  }
  try {
    const loop = readLoop(fstatSync(fd), maxBytes);
    let step = loop.next();
    while (!step.done) step = loop.next(readSync(fd, step.value, 0, step.value.length, null));
    return step.value;
  } catch (err) {
    return refusalOf(err);
  } finally {
    closeSync(fd);
  }
}

/** One line saying why a file was not read. */
export function describeRefusal(file: string, refusal: FileRefusal): string {
  switch (refusal.reason) {
    case 'missing':
      return `${file} does not exist`;
    case 'not-regular-file':
      return `${file} is not a regular file (${refusal.fileType}); only regular files are read`;
    case 'file-too-large':
      return `${file} is larger than ${refusal.maxBytes} bytes (${refusal.size} bytes)`;
    case 'unreadable':
      return `could not read ${file}: ${refusal.error.message}`;
  }
}
