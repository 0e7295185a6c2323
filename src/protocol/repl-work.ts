/**
 * Requests to a repl worker as the scheduler hands them to its supervisor thread. Plain data: a
 * snippet to check against the worker's header env, or a tactic to run on a proof state an
 * earlier answer of the same worker generation returned.
 */
import type { SupervisorRequest } from './port-messages.js';

/**
 * `repl_check`: the snippet's header must be the worker's; its body runs against the header env.
 * `repl_tactic`: one tactic on a proof state of this worker generation.
 */
export type ReplJob =
  | { readonly op: 'repl_check'; readonly snippet: string }
  | { readonly op: 'repl_tactic'; readonly proofState: number; readonly tactic: string };

/**
 * A repl request as a supervisor receives it (the repl counterpart of `SupervisorRequest`, with
 * the same id, generation and deadlines). The repl cannot cancel: a deadline kills it.
 */
export interface ReplSupervisorRequest
  extends Pick<SupervisorRequest, 'id' | 'generation' | 'timeoutMs' | 'idleTimeoutMs'> {
  readonly request: ReplJob;
}

/** Whether an operation name belongs to the repl child kind. */
export function isReplOp(op: string): op is ReplJob['op'] {
  return op === 'repl_check' || op === 'repl_tactic';
}
