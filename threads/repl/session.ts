/**
 * The repl session driver: one header-keyed session on one repl child, over injected I/O. It runs
 * the header once, keeps the header env id, runs snippet bodies against it and maps each answer
 * to rows and a terminal summary.
 *
 * Header failures are caught two ways, because the upstream repl drops the messages of a failed
 * `import` and answers a plain `{"env": n}` over an empty environment: an error message in the
 * header answer (repl builds that report them), and a probe command run once in the header env
 * (it fails in an empty environment). A failed header is never cached: the next call tries again.
 */

import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { LeanWorkerDataRow, StreamSummaryData } from '../../src/protocol/port-messages.js';
import {
  REPL_STREAMS,
  type ReplMessageRow,
  type ReplSorryRow,
  type ReplSummaryMetadata,
} from '../../src/protocol/repl-rows.js';
import { type ReplSnippetSplit, shiftPosition, splitSnippet } from '../../src/protocol/repl-snippet.js';
import { DEFAULT_HEADER_PROBE } from '../../src/protocol/worker-spec.js';
import { type WireFailure, wireFailure } from '../outcome.js';
import { ReplChannel, type ReplChannelOptions, type ReplRequestOptions } from './channel.js';
import type {
  ReplCommandResponse,
  ReplMessage,
  ReplProofStepResponse,
  ReplResponse,
  ReplSorry,
} from './schemas.js';

/** Options of a session: the channel's injection points plus the header check. */
export interface ReplSessionOptions extends ReplChannelOptions {
  /**
   * Command run once in a fresh header env to prove the imports loaded; `null` disables the
   * probe. It is skipped for a `prelude` header without imports (nothing to prove).
   */
  readonly headerProbe?: string | null;
}

/** The header env of a session. */
export interface ReplHeaderState {
  readonly sessionKey: string;
  readonly env: number;
  /** Time the header took (import + probe), ms. */
  readonly elapsedMs: number;
  /** True when the header was already open and nothing was sent. */
  readonly reused: boolean;
}

/** One repl child bound to one import header: its channel, plus the header's state. */
export class ReplSession extends ReplChannel {
  readonly #probe: string | null;
  #header: { readonly key: string; readonly env: number } | undefined;
  #opening: { readonly key: string; readonly attempt: Promise<ReplHeaderState> } | undefined;

  constructor(options: ReplSessionOptions) {
    super(options);
    this.#probe = options.headerProbe === undefined ? DEFAULT_HEADER_PROBE : options.headerProbe;
  }

  /** Key of the open header, if one is open. */
  get sessionKey(): string | undefined {
    return this.#header?.key;
  }

  /** Env id of the open header, if one is open. */
  get headerEnv(): number | undefined {
    return this.#header?.env;
  }

  /**
   * Open the header of `split` unless it is already open. Throws `WORKER` with
   * `facts.kind === 'repl_header_failed'` when the imports fail, and `INVALID_ARGUMENT` with
   * `facts.kind === 'repl_session_key_mismatch'` when another header is open.
   */
  async openHeader(
    split: Pick<ReplSnippetSplit, 'sessionKey' | 'headerCommand' | 'header'>,
    options: ReplRequestOptions = {},
  ): Promise<ReplHeaderState> {
    const open = this.#header;
    if (open !== undefined) {
      if (open.key !== split.sessionKey)
        throw keyMismatch(open.key, split.sessionKey, 'this repl session holds another import header');
      return { sessionKey: open.key, env: open.env, elapsedMs: 0, reused: true };
    }
    if (this.#opening !== undefined) {
      // Callers of the same key share the attempt in progress, its failure included.
      if (this.#opening.key === split.sessionKey) return this.#opening.attempt;
      await this.#opening.attempt.catch(() => undefined);
      return this.openHeader(split, options);
    }
    const attempt = this.#open(split, options);
    this.#opening = { key: split.sessionKey, attempt };
    try {
      return await attempt;
    } finally {
      this.#opening = undefined;
    }
  }

  async #open(
    split: Pick<ReplSnippetSplit, 'sessionKey' | 'headerCommand' | 'header'>,
    options: ReplRequestOptions,
  ): Promise<ReplHeaderState> {
    const key = split.sessionKey;
    const opened = await this.request({ cmd: split.headerCommand }, options);
    const env = this.#stepAnswer(key, 'header', opened.response).env;
    let elapsedMs = opened.elapsedMs;
    const needsProbe = this.#probe !== null && !(split.header.isPrelude && split.header.imports.length === 0);
    if (needsProbe) {
      const probed = await this.request({ cmd: this.#probe!, env }, options);
      elapsedMs += probed.elapsedMs;
      this.#stepAnswer(key, 'probe', probed.response, env);
    }
    this.#header = { key, env };
    return { sessionKey: key, env, elapsedMs, reused: false };
  }

  /** The command answer to the header or its probe, or the header failure the answer shows. */
  #stepAnswer(
    key: string,
    step: 'header' | 'probe',
    response: ReplResponse,
    headerEnv?: number,
  ): ReplCommandResponse {
    if (response.kind !== 'command') {
      const reason = response.kind === 'error' ? response.body.message : 'unexpected answer';
      throw this.#headerFailed(key, step === 'header' ? 'answer' : 'probe', reason, []);
    }
    const errors = (response.body.messages ?? []).filter((m) => m.severity === 'error');
    if (errors.length === 0) return response.body;
    throw step === 'header'
      ? this.#headerFailed(key, 'messages', 'the header reported errors', errors, response.body.env)
      : this.#headerFailed(key, 'probe', 'the header env cannot see core Lean', errors, headerEnv);
  }

  /**
   * Check a snippet: open its header if needed, run the body against the header env, and map
   * the answer (positions in snippet coordinates). A repl-level failure (`{"message": ...}`)
   * throws `WORKER` with `facts.kind === 'repl_error'`; the session stays usable.
   */
  async run(snippet: string | ReplSnippetSplit, options: ReplRequestOptions = {}): Promise<ReplMappedResult> {
    const split = typeof snippet === 'string' ? splitSnippet(snippet) : snippet;
    const header = await this.openHeader(split, options);
    const { response, elapsedMs } = await this.request({ cmd: split.body, env: header.env }, options);
    if (response.kind === 'error') throw this.#replError(response.body.message, 'cmd');
    if (response.kind !== 'command') throw this.#unexpected('cmd', response.kind);
    return mapCommandResponse(response.body, { shift: split, elapsedMs });
  }

  /** Run a tactic against a proof state from an earlier answer of this session. */
  async runTactic(
    proofState: number,
    tactic: string,
    options: ReplRequestOptions = {},
  ): Promise<ReplMappedResult> {
    const { response, elapsedMs } = await this.request({ tactic, proofState }, options);
    if (response.kind === 'error') throw this.#replError(response.body.message, 'tactic');
    if (response.kind !== 'proofStep') throw this.#unexpected('tactic', response.kind);
    return mapProofStepResponse(response.body, { elapsedMs });
  }

  #headerFailed(
    sessionKey: string,
    detectedBy: 'answer' | 'messages' | 'probe',
    reason: string,
    messages: ReplMessage[],
    env: number | null = null,
  ): WireFailure {
    return wireFailure(ErrorCode.WORKER, `repl header failed to import: ${reason}`, {
      kind: 'repl_header_failed',
      sessionKey,
      detectedBy,
      env,
      reason,
      messages: messages.map((m) => mapMessage(m)),
    });
  }

  #replError(replMessage: string, request: 'cmd' | 'tactic'): WireFailure {
    return wireFailure(ErrorCode.WORKER, `repl answered an error: ${replMessage}`, {
      kind: 'repl_error',
      request,
      replMessage,
    });
  }

  #unexpected(request: 'cmd' | 'tactic', got: string): WireFailure {
    const error = wireFailure(ErrorCode.PROTOCOL, `repl answered a ${got} response to a ${request} request`, {
      kind: 'repl_unexpected_response',
      request,
      got,
    });
    this.fail(error);
    return error;
  }
}

/** `INVALID_ARGUMENT` for a snippet whose header is not the one `sessionKey` names. */
export function keyMismatch(sessionKey: string, requestedKey: string, message: string): WireFailure {
  return wireFailure(ErrorCode.INVALID_ARGUMENT, message, {
    kind: 'repl_session_key_mismatch',
    sessionKey,
    requestedKey,
  });
}

/** Rows and summary of one answer. */
export interface ReplMappedResult {
  readonly rows: LeanWorkerDataRow<ReplMessageRow | ReplSorryRow>[];
  readonly summary: StreamSummaryData<ReplSummaryMetadata> & { readonly metadata: ReplSummaryMetadata };
}

type Shift = Pick<ReplSnippetSplit, 'lineOffset' | 'firstLineColumnOffset'>;
const NO_SHIFT: Shift = { lineOffset: 0, firstLineColumnOffset: 0 };

/** Map one message to a row payload. */
function mapMessage(message: ReplMessage, shift = NO_SHIFT): ReplMessageRow {
  return {
    severity: message.severity,
    pos: shiftPosition(message.pos, shift),
    endPos: message.endPos == null ? null : shiftPosition(message.endPos, shift),
    text: message.data,
  };
}

/**
 * Map an answer onto the library's row model: each message is a row on stream `messages`, each
 * sorry a row on stream `sorries` (per-stream sequence from 0), then one terminal summary.
 * Positions are shifted from body coordinates back to the caller's snippet coordinates.
 */
function mapParts(
  body: { readonly messages?: ReplMessage[] | undefined; readonly sorries?: ReplSorry[] | undefined },
  shift: Shift,
  elapsedMs: number,
  extra: Pick<ReplSummaryMetadata, 'env'> & Partial<ReplSummaryMetadata>,
): ReplMappedResult {
  const { messages = [], sorries = [] } = body;
  const rows: ReplMappedResult['rows'] = messages.map((m, sequence) => ({
    stream: REPL_STREAMS.messages,
    sequence,
    payload: mapMessage(m, shift),
  }));
  sorries.forEach((sorry, sequence) => {
    const payload: ReplSorryRow = {
      pos: sorry.pos === undefined ? null : shiftPosition(sorry.pos, shift),
      endPos: sorry.endPos === undefined ? null : shiftPosition(sorry.endPos, shift),
      goal: sorry.goal,
      proofState: sorry.proofState ?? null,
    };
    rows.push({ stream: REPL_STREAMS.sorries, sequence, payload });
  });
  const errors = messages.filter((m) => m.severity === 'error').length;
  const warnings = messages.filter((m) => m.severity === 'warning').length;
  const infos = messages.length - errors - warnings;
  return {
    rows,
    summary: {
      totalRows: rows.length,
      perStreamCounts: { [REPL_STREAMS.messages]: messages.length, [REPL_STREAMS.sorries]: sorries.length },
      elapsedMs,
      metadata: { ok: errors === 0, errors, warnings, infos, sorries: sorries.length, ...extra },
    },
  };
}

/** Map a command answer (`cmd`, `path`) to rows and a summary. */
export function mapCommandResponse(
  response: ReplCommandResponse,
  options: { readonly shift?: Shift; readonly elapsedMs: number },
): ReplMappedResult {
  return mapParts(response, options.shift ?? NO_SHIFT, options.elapsedMs, { env: response.env });
}

/** Map a tactic answer to rows and a summary; tactic positions are not shifted. */
export function mapProofStepResponse(
  response: ReplProofStepResponse,
  options: { readonly elapsedMs: number },
): ReplMappedResult {
  const { proofState, goals, proofStatus } = response;
  const extra = { env: null, proofState, goals, proofStatus: proofStatus ?? null };
  return mapParts(response, NO_SHIFT, options.elapsedMs, extra);
}
