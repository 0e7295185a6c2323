/**
 * `node:crypto`, loaded on first use: importing it costs the main entry's import a few
 * milliseconds, and only capability manifests (hashes, temporary file names) need it.
 */
import type * as Crypto from 'node:crypto';

let loaded: typeof Crypto | undefined;

/** The `node:crypto` module (`process.getBuiltinModule`, Node >= 20.16). */
export function nodeCrypto(): typeof Crypto {
  loaded ??= process.getBuiltinModule('node:crypto');
  return loaded;
}
