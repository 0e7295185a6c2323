/**
 * What a repl check delivers, as it crosses from the supervisor thread to the caller: each
 * message of the repl's answer is a row on stream `messages`, each sorry a row on stream
 * `sorries` (per-stream sequence from 0), then one terminal summary with these metadata.
 * Positions are in the caller's snippet coordinates.
 */

/** Stream names of repl rows. */
export const REPL_STREAMS = { messages: 'messages', sorries: 'sorries' } as const;

/** A position: 1-based line, 0-based column in code points. Line 0 means "no position". */
export type ReplPos = { line: number; column: number };

/** Message severities; the repl maps Lean's `information` to `info`. */
export type ReplSeverity = 'trace' | 'info' | 'warning' | 'error';

/** Payload of a `messages` row. */
export interface ReplMessageRow {
  readonly severity: ReplSeverity;
  readonly pos: ReplPos;
  /** `null` when Lean gave no end position. */
  readonly endPos: ReplPos | null;
  readonly text: string;
}

/** Payload of a `sorries` row. */
export interface ReplSorryRow {
  /** `null` when Lean gave no position. */
  readonly pos: ReplPos | null;
  readonly endPos: ReplPos | null;
  readonly goal: string;
  /** Proof state id usable in tactic mode on the same worker, or `null`. */
  readonly proofState: number | null;
}

/** Facts of a checked snippet. */
export interface ReplSummaryMetadata {
  /** No message of severity `error`. */
  readonly ok: boolean;
  readonly errors: number;
  readonly warnings: number;
  readonly infos: number;
  readonly sorries: number;
  /** Env id the repl recorded for the result (`null` for tactic answers). */
  readonly env: number | null;
  /** Tactic answers only: the new proof state, the goals left and the repl's status line. */
  readonly proofState?: number;
  readonly goals?: readonly string[];
  readonly proofStatus?: string | null;
}
