/**
 * The repl numbers what it creates: every command answer names a new env, every tactic answer a
 * new proof state, counting up per process. Its answers carry no request id, so these numbers are
 * how a channel tells a fresh answer from an old one: an answer to `cmd` whose env is not newer
 * than every env already seen (or a tactic answer whose proof state is not newer than every
 * proof state seen) is a repeat of an earlier answer, never the answer to the request in flight.
 */
import type { ReplRequest, ReplResponse } from './schemas.js';

/** Why an answer cannot belong to the request it arrived for. */
export interface ReplAnswerMisfit {
  readonly field: 'env' | 'proofState';
  readonly got: number;
  /** The newest id seen before this answer. */
  readonly newestSeen: number;
}

/** Tracks the newest env and proof state ids a repl process has answered with. */
export class ReplAnswerOrder {
  #env = -1;
  #proofState = -1;

  /** Judge `response` as the answer to `request`, then note its ids; null when it fits. */
  accept(request: ReplRequest, response: ReplResponse): ReplAnswerMisfit | null {
    const misfit = this.#judge(request, response);
    if (misfit === null) this.#note(response);
    return misfit;
  }

  #judge(request: ReplRequest, response: ReplResponse): ReplAnswerMisfit | null {
    const createsEnv = 'cmd' in request || 'path' in request || 'unpickleEnvFrom' in request;
    if (response.kind === 'command' && createsEnv && response.body.env <= this.#env) {
      return { field: 'env', got: response.body.env, newestSeen: this.#env };
    }
    const createsState = 'tactic' in request || 'unpickleProofStateFrom' in request;
    if (response.kind === 'proofStep' && createsState && response.body.proofState <= this.#proofState) {
      return { field: 'proofState', got: response.body.proofState, newestSeen: this.#proofState };
    }
    return null;
  }

  #note(response: ReplResponse): void {
    if (response.kind === 'error') return;
    const body = response.body;
    if ('env' in body) this.#env = Math.max(this.#env, body.env);
    else this.#proofState = Math.max(this.#proofState, body.proofState);
    for (const s of body.sorries ?? []) this.#proofState = Math.max(this.#proofState, s.proofState ?? -1);
    if ('tactics' in body) {
      for (const t of body.tactics ?? []) this.#proofState = Math.max(this.#proofState, t.proofState ?? -1);
    }
  }
}
