/**
 * The lease of a repl source (`LeanReplBuilder.forSnippet`): snippets checked against the worker's
 * import header, and tactics run on the proof states its sorries returned. Everything a lease is
 * beyond its commands lives in `LeaseCore`.
 */
import { type LeanWorkerCommandOptions, LeaseCore } from '../lease-core.js';
import type { ReplMessageRow, ReplSorryRow, ReplSummaryMetadata } from '../protocol/repl-rows.js';
import type { LeanWorkerStream } from '../stream/lean-worker-stream.js';

/** A row of a repl answer: a message (stream `messages`) or a sorry (stream `sorries`). */
export type ReplRowPayload = ReplMessageRow | ReplSorryRow;

export class LeanReplLease extends LeaseCore {
  readonly kind = 'repl' as const;

  /**
   * Check a Lean snippet. Its header must be the worker's (INVALID_ARGUMENT otherwise, nothing
   * sent); its body runs against the header env. Rows: each message on stream `messages`, each
   * sorry on stream `sorries`, positions in the snippet's own coordinates; `summary.metadata` says
   * whether it checked (`ok`: no error message), with counts and the env id. The repl cannot
   * cancel: a deadline or an abort kills the worker (TIMEOUT / ABORTED, the lease is then
   * invalidated).
   */
  check(
    snippet: string,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream<ReplRowPayload, ReplSummaryMetadata> {
    return this.stream({ op: 'repl_check', snippet }, options, {});
  }

  /**
   * Run one tactic on a proof state a sorry row of this lease's worker returned (the lease's
   * generation holds it). `summary.metadata` carries the new `proofState` and the `goals` left.
   */
  runTactic(
    proofState: number,
    tactic: string,
    options: LeanWorkerCommandOptions = {},
  ): LeanWorkerStream<ReplRowPayload, ReplSummaryMetadata> {
    return this.stream({ op: 'repl_tactic', proofState, tactic }, options, {});
  }
}
