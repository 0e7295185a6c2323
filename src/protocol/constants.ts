/**
 * Wire constants of the lean-rs-worker child protocol, version 10. The child binary
 * `lean-rs-worker-child` and every child built on `lean-worker-pool/child` speak exactly this.
 */

/** Protocol revision; exact match only, as the Rust peer does. */
export const PROTOCOL_VERSION = 10;

/** The import profiles a session opens with (`ImportProfile` of `lean-rs-worker-protocol`). */
export const IMPORT_PROFILES = ['exported-public', 'server', 'private', 'full-private-compat'] as const;
export type ImportProfile = (typeof IMPORT_PROFILES)[number];

/** Smallest frame cap a connection may negotiate (64 KiB). */
export const MIN_FRAME_BYTES = 65_536;

/** Default per-frame cap before and after the handshake (1 MiB). */
export const DEFAULT_FRAME_BYTES = 1_048_576;

/** Ceiling on any negotiated frame cap (256 MiB). */
export const MAX_FRAME_BYTES_HARD_CAP = 268_435_456;

/** Length prefix size: a 4-byte big-endian unsigned integer. */
export const FRAME_HEADER_BYTES = 4;

/** Clamp a requested frame cap into [MIN_FRAME_BYTES, MAX_FRAME_BYTES_HARD_CAP]. */
export function clampFrameLimit(requested: number): number {
  if (!Number.isFinite(requested)) return DEFAULT_FRAME_BYTES;
  return Math.min(MAX_FRAME_BYTES_HARD_CAP, Math.max(MIN_FRAME_BYTES, Math.floor(requested)));
}

/** Child environment variables the parent always sets (explicit user env wins). */
export const CHILD_BASE_ENV: Readonly<Record<string, string>> = Object.freeze({
  LEAN_ABORT_ON_PANIC: '1',
  LEAN_BACKTRACE: '0',
  RUST_BACKTRACE: '0',
});

/** Largest delay Node's timers honour (2^31 - 1 ms; a longer one fires after 1 ms): bounds all ms options. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Default deadline of a session open (the imports): 10 minutes, enough for a Mathlib-sized import set. */
export const DEFAULT_IMPORT_TIMEOUT_MS = 600_000;
