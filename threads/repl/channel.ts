/**
 * A strictly serial request/response channel to one repl child, over injected I/O: the owner
 * gives a `write` function for the child's stdin and calls {@link ReplChannel.feed} with stdout
 * chunks and {@link ReplChannel.end} when the child is gone. It owns no process and no timers
 * beyond a request's own deadline.
 *
 * Any break of the stream (bytes that are not a response, a response nobody asked for, a
 * response that repeats an earlier one (see `ReplAnswerOrder`), a response past the cap, EOF, a
 * deadline or an abort after the request was written) fails the channel for good: the child's
 * state is unknown and its next answer could be mistaken for the answer to another request. The
 * owner then kills the child. Failures are `WireFailure`s: typed data for the main thread.
 */

import { ErrorCode } from '../../src/protocol/error-codes.js';
import { DEFAULT_REPL_RESPONSE_BYTES } from '../../src/protocol/worker-spec.js';
import { type WireFailure, wireFailure } from '../outcome.js';
import { encodeReplRequest, ReplResponseDecoder } from './codec.js';
import { classifyReplResponse, type ReplRequest, type ReplResponse } from './schemas.js';

/** How the child ended, as far as the owner knows. */
export interface ReplChildExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Last bytes of the child's stderr, for the error report. */
  readonly stderrTail?: string;
}

/** Injection points and limits of a channel. */
export interface ReplChannelOptions {
  /** Write bytes to the child's stdin. A throw or rejection fails the channel. */
  readonly write: (bytes: Uint8Array) => void | Promise<void>;
  /** Cap on one response in bytes; default 64 MiB. */
  readonly maxResponseBytes?: number;
}

/** Per-request controls. */
export interface ReplRequestOptions {
  readonly signal?: AbortSignal;
  /** Deadline from the moment the request is written; 0 or absent disables it. */
  readonly timeoutMs?: number;
}

/** A response and how long it took from write to the end of its blank line. */
export interface ReplTimedResponse {
  readonly response: ReplResponse;
  readonly elapsedMs: number;
  readonly bytes: number;
}

interface Pending {
  readonly request: ReplRequest;
  readonly startedAt: number;
  readonly resolve: (value: ReplTimedResponse) => void;
  readonly reject: (error: WireFailure) => void;
  readonly cleanup: () => void;
}

function aborted(sent: boolean, reason: unknown): WireFailure {
  const message = sent
    ? 'repl request aborted after it was sent; the child state is unknown'
    : 'repl request aborted before it was sent';
  return wireFailure(ErrorCode.ABORTED, message, { kind: 'repl_aborted', sent }, reason);
}

/**
 * The newest env and proof state ids a repl process has answered with. The repl numbers what it
 * creates: every command answer names a new env, every tactic answer a new proof state, counting
 * up per process. Its answers carry no request id, so these numbers tell a fresh answer from an
 * old one: an answer to `cmd` whose env is not newer than every env already seen (or a tactic
 * answer whose proof state is not newer than every proof state seen) is a repeat of an earlier
 * answer, never the answer to the request in flight.
 */
class ReplAnswerOrder {
  #env = -1;
  #proofState = -1;

  /**
   * Judge `response` as the answer to `request`, then note its ids: null when it fits, else the
   * id field that is not newer and the newest id seen before.
   */
  accept(request: ReplRequest, response: ReplResponse) {
    if (response.kind === 'error') return null;
    const body = response.body;
    if ('env' in body) {
      const createsEnv = 'cmd' in request || 'path' in request || 'unpickleEnvFrom' in request;
      if (createsEnv && body.env <= this.#env) return { field: 'env', got: body.env, newestSeen: this.#env };
      this.#env = Math.max(this.#env, body.env);
    } else {
      const createsState = 'tactic' in request || 'unpickleProofStateFrom' in request;
      const got = body.proofState;
      if (createsState && got <= this.#proofState)
        return { field: 'proofState', got, newestSeen: this.#proofState };
      this.#proofState = Math.max(this.#proofState, got);
    }
    const states = [...(body.sorries ?? []), ...(('tactics' in body && body.tactics) || [])];
    for (const s of states) this.#proofState = Math.max(this.#proofState, s.proofState ?? -1);
    return null;
  }
}

/** Serial request/response over the repl's blank-line framed JSON. */
export class ReplChannel {
  readonly #write: ReplChannelOptions['write'];
  readonly #decoder: ReplResponseDecoder;
  readonly #order = new ReplAnswerOrder();
  #pending: Pending | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #failure: WireFailure | undefined;

  constructor(options: ReplChannelOptions) {
    this.#write = options.write;
    this.#decoder = new ReplResponseDecoder(options.maxResponseBytes ?? DEFAULT_REPL_RESPONSE_BYTES);
  }

  /** The error that failed the channel, if it failed. */
  get failure(): WireFailure | undefined {
    return this.#failure;
  }

  /** Hand over a chunk of the child's stdout. */
  feed(chunk: Uint8Array): void {
    if (this.#failure) return;
    const { responses, error } = this.#decoder.push(chunk);
    for (const decoded of responses) {
      const pending = this.#pending;
      if (pending === undefined) {
        this.fail(
          wireFailure(ErrorCode.PROTOCOL, 'repl wrote a response no request was waiting for', {
            kind: 'repl_unsolicited_output',
            bytes: decoded.bytes,
          }),
        );
        return;
      }
      const response = classifyReplResponse(decoded.value);
      if (response === undefined) {
        this.fail(
          wireFailure(ErrorCode.PROTOCOL, 'repl response has an unknown shape', {
            kind: 'repl_unexpected_response',
            excerpt: JSON.stringify(decoded.value).slice(0, 200),
          }),
        );
        return;
      }
      const misfit = this.#order.accept(pending.request, response);
      if (misfit !== null) {
        const stale = `repl answered with an old ${misfit.field}: a repeat of an earlier answer`;
        this.fail(wireFailure(ErrorCode.PROTOCOL, stale, { kind: 'repl_stale_response', ...misfit }));
        return;
      }
      this.#pending = undefined;
      pending.cleanup();
      pending.resolve({ response, elapsedMs: performance.now() - pending.startedAt, bytes: decoded.bytes });
    }
    if (error) this.fail(error);
  }

  /** The child's stdout ended or the child exited: fail everything outstanding. */
  end(exit: ReplChildExit): void {
    if (this.#failure) return;
    const crashed = exit.signal !== null || (exit.exitCode !== null && exit.exitCode !== 0);
    const midResponse = this.#decoder.midResponse;
    const what = midResponse ? 'in the middle of a response' : 'with no response pending on stdout';
    const message = `repl ended ${what} (exit code ${exit.exitCode}, signal ${exit.signal})`;
    this.fail(
      wireFailure(crashed ? ErrorCode.CHILD_CRASH : ErrorCode.CHILD_EXIT, message, {
        kind: midResponse ? 'repl_eof_mid_response' : 'repl_eof',
        exitCode: exit.exitCode,
        signal: exit.signal,
        stderrTail: exit.stderrTail ?? '',
        bufferedBytes: this.#decoder.bufferedBytes,
        requestInFlight: this.#pending !== undefined,
      }),
    );
  }

  /**
   * Send one request and wait for its answer. Requests queue behind each other; an abort while
   * queued rejects with `ABORTED` and leaves the channel usable, since nothing reached the child.
   */
  request(request: ReplRequest, options: ReplRequestOptions = {}): Promise<ReplTimedResponse> {
    let started = false;
    const turn = this.#queue.then(() => {
      started = true;
      return this.#send(request, options);
    });
    this.#queue = turn.catch(() => undefined);
    const { signal } = options;
    if (signal === undefined) return turn;
    return new Promise<ReplTimedResponse>((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(aborted(false, signal.reason));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      turn.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #send(request: ReplRequest, options: ReplRequestOptions): Promise<ReplTimedResponse> {
    if (this.#failure) return Promise.reject(this.#failure);
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(aborted(false, signal.reason));
    const bytes = encodeReplRequest(request);
    return new Promise<ReplTimedResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => this.fail(aborted(true, signal?.reason));
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      this.#pending = { request, startedAt: performance.now(), resolve, reject, cleanup };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined && timeoutMs > 0) {
        timer = setTimeout(() => {
          const facts = { kind: 'repl_timeout', timeoutMs };
          this.fail(wireFailure(ErrorCode.TIMEOUT, `repl request took longer than ${timeoutMs} ms`, facts));
        }, timeoutMs);
      }
      try {
        const written = this.#write(bytes);
        if (written !== undefined) written.catch((cause: unknown) => this.#failWrite(cause));
      } catch (cause) {
        this.#failWrite(cause);
      }
    });
  }

  #failWrite(cause: unknown): void {
    const facts = { kind: 'repl_stdin_write_failed' };
    this.fail(wireFailure(ErrorCode.WORKER_UNAVAILABLE, 'writing to the repl failed', facts, cause));
  }

  /** Fail the channel for good (also from outside, e.g. the owner's own deadline); the first failure wins. */
  fail(error: WireFailure): void {
    if (this.#failure) return;
    this.#failure = error;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) {
      pending.cleanup();
      pending.reject(error);
    }
  }
}
