/**
 * The main thread's end of a supervisor's request port: one plain message out per request, one
 * reply back, matched by call number. A request whose thread ends before it answers settles with
 * WORKER_UNAVAILABLE instead of hanging; so does every request sent after that.
 */
import type { MessagePort } from 'node:worker_threads';
import type { AnySupervisorRequest } from '../../threads/driver.js';
import type { RequestCall, RequestReply } from '../../threads/supervisor.js';
import { ErrorCode } from '../errors.js';
import type { WireError } from '../protocol/error-codes.js';
import { emptyRequestStats, type RequestOutcome } from '../protocol/port-messages.js';
import { RefNamer } from './request-refs.js';

interface PendingCall {
  readonly resolve: (outcome: RequestOutcome) => void;
  readonly reject: (error: Error) => void;
  /** Settle with the typed failure: the thread ended before it answered. */
  readonly gone: () => void;
}

export class RequestClient {
  readonly #port: MessagePort;
  readonly #onOutcome: (outcome: RequestOutcome) => void;
  readonly #calls = new Map<number, PendingCall>();
  readonly #refs = new RefNamer();
  #nextCall = 0;
  #ended = false;

  /** `onOutcome` sees each outcome the supervisor answered with, before its caller does. */
  constructor(port: MessagePort, onOutcome: (outcome: RequestOutcome) => void) {
    this.#port = port;
    this.#onOutcome = onOutcome;
    port.on('message', (reply: RequestReply) => {
      const pending = this.#calls.get(reply.call);
      if (!pending) return;
      this.#calls.delete(reply.call);
      if ('outcome' in reply) {
        this.#onOutcome(reply.outcome);
        pending.resolve(reply.outcome);
      } else pending.reject(new Error(reply.error));
    });
  }

  /** Send one request; `port` (transferred) receives its rows and terminal outcome. */
  send(spec: AnySupervisorRequest, port: MessagePort | null): Promise<RequestOutcome> {
    if (this.#ended) return Promise.resolve(threadEndedOutcome(spec));
    return new Promise<RequestOutcome>((resolve, reject) => {
      const id = this.#nextCall++;
      this.#calls.set(id, { resolve, reject, gone: () => resolve(threadEndedOutcome(spec)) });
      const named = this.#refs.name(spec);
      const message: RequestCall = { call: id, spec: named.spec, refs: named.refs, port };
      try {
        this.#port.postMessage(message, port ? [port] : []);
      } catch (error) {
        this.#calls.delete(id);
        this.#refs.forget();
        throw error;
      }
    });
  }

  close(): void {
    this.#port.close();
  }

  /** The supervisor thread ended: settle every pending request, and every later one, as gone. */
  threadEnded(): void {
    this.#ended = true;
    for (const call of this.#calls.values()) call.gone();
    this.#calls.clear();
  }
}

/** The failure of a control call whose supervisor thread ended before it answered. */
export function threadEndedError(operation: string): WireError {
  return {
    code: ErrorCode.WORKER_UNAVAILABLE,
    message: `the supervisor thread ended during ${operation}`,
    facts: { operation, reason: 'supervisor_thread_ended' },
  };
}

function threadEndedOutcome(spec: AnySupervisorRequest): RequestOutcome {
  return {
    ok: false,
    generation: spec.generation,
    error: threadEndedError(spec.request.op),
    workEnteredChild: true,
    restarted: false,
    stats: emptyRequestStats(),
  };
}
