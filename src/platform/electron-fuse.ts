/**
 * Reads the `RunAsNode` fuse of an Electron binary: whether `ELECTRON_RUN_AS_NODE=1` makes it run
 * as plain Node. Fuses are a wire of state bytes that Electron keeps in its binary right after a
 * fixed 32-byte sentinel, as `sentinel | wire version | wire length | states`; `RunAsNode` is the
 * first state. On macOS the wire lives in the Electron Framework, not in the app's own binary.
 */
import { type FileHandle, open } from 'node:fs/promises';
import path from 'node:path';

const SENTINEL = Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX', 'latin1');
const CHUNK_BYTES = 4 << 20;

/** The state of the `RunAsNode` fuse; `unknown` when the binary has no fuse wire (Electron < 12). */
export type RunAsNodeFuse = 'enabled' | 'disabled' | 'removed' | 'unknown';

const STATES: Readonly<Record<number, RunAsNodeFuse>> = { 48: 'disabled', 49: 'enabled', 114: 'removed' };

/** The file holding the fuse wire of the Electron app whose executable is `executable`. */
export function fuseFileOf(executable: string): string {
  const parts = executable.split(/[\\/]/);
  const macos = parts.lastIndexOf('MacOS');
  if (macos >= 2 && parts[macos - 1] === 'Contents' && parts[macos - 2]?.endsWith('.app')) {
    const contents = path.dirname(path.dirname(executable));
    return path.join(contents, 'Frameworks', 'Electron Framework.framework', 'Electron Framework');
  }
  return executable;
}

/** Where the fuse wire starts, or null: a scan in chunks that overlap by a sentinel's length. */
async function wireStart(handle: FileHandle): Promise<number | null> {
  const { size } = await handle.stat();
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES + SENTINEL.length);
  for (let start = 0; start < size; start += CHUNK_BYTES) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    const found = buffer.subarray(0, bytesRead).indexOf(SENTINEL);
    if (found >= 0) return start + found + SENTINEL.length;
  }
  return null;
}

/** The `RunAsNode` fuse of the Electron app whose executable is `executable`. */
export async function readRunAsNodeFuse(executable: string): Promise<RunAsNodeFuse> {
  const handle = await open(fuseFileOf(executable), 'r');
  try {
    const at = await wireStart(handle);
    if (at === null) return 'unknown';
    const header = Buffer.alloc(3);
    const { bytesRead } = await handle.read(header, 0, 3, at);
    // Wire version 1, at least one state.
    if (bytesRead < 3 || header[0] !== 1 || (header[1] ?? 0) < 1) return 'unknown';
    return STATES[header[2] ?? -1] ?? 'unknown';
  } finally {
    await handle.close();
  }
}
