/**
 * The main thread's end of a supervisor's request port: one plain message out per request, one
 * reply back, matched by call number. A request whose thread ends before it answers settles with
 * WORKER_UNAVAILABLE instead of hanging; so does every request sent after that.
 *
 * Requests name their session and schema objects by number (`RefNamer`, the sending side of
 * `threads/request-refs.ts`), sending each object itself only the first time. Numbering starts
 * afresh (and tells the supervisor so) once `MAX_REFS` objects were named, so commands defined on
 * the fly do not grow the supervisor's table without bound.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode } from '../errors.js';
import type { WireError } from '../protocol/error-codes.js';
import { failedOutcome, type RequestOutcome } from '../protocol/port-messages.js';
import {
  type AnySupervisorRequest,
  type RefField,
  type RequestCall,
  type RequestReply,
  SCHEMA_FIELDS,
  type SpecRefs,
} from '../protocol/thread-contract.js';

interface PendingCall {
  readonly spec: AnySupervisorRequest;
  readonly resolve: (outcome: RequestOutcome) => void;
}

export class RequestClient {
  readonly #port: MessagePort;
  readonly #calls = new Map<number, PendingCall>();
  readonly #refs = new RefNamer();
  #nextCall = 0;
  #ended = false;

  /**
   * `onOutcome` sees each outcome the supervisor answered with, before its caller does;
   * `onUnreadable` hears that an answer could not be read (every call in flight then fails).
   */
  constructor(
    port: MessagePort,
    onOutcome: (outcome: RequestOutcome) => void,
    onUnreadable: (error: WireError) => void = () => {},
  ) {
    this.#port = port;
    port.on('message', (reply: RequestReply) => {
      const pending = this.#calls.get(reply.call);
      if (!pending) return;
      this.#calls.delete(reply.call);
      if ('outcome' in reply) {
        onOutcome(reply.outcome);
        pending.resolve(reply.outcome);
        return;
      }
      const message = `the supervisor could not run the request: ${reply.error}`;
      const facts = { reason: 'supervisor_error', detail: reply.error };
      settleFailed(pending, { code: ErrorCode.WORKER_UNAVAILABLE, message, facts });
    });
    // Which call an unreadable answer belonged to is unknown: fail them all, never leave one hanging.
    port.on('messageerror', (error: Error) => {
      const wire: WireError = {
        code: ErrorCode.PROTOCOL,
        message: `an answer from the supervisor could not be read: ${error.message}`,
        facts: { reason: 'message_unreadable' },
      };
      this.#failAll(() => wire);
      onUnreadable(wire);
    });
  }

  /** Send one request; `port` (transferred) receives its rows and terminal outcome. */
  send(spec: AnySupervisorRequest, port: MessagePort | null): Promise<RequestOutcome> {
    if (this.#ended) {
      // Nothing will ever write to the row port: close it, so its reader ends too.
      port?.close();
      return Promise.resolve(failedOutcome(spec.generation, threadEndedError(spec.request.op), true));
    }
    return new Promise<RequestOutcome>((resolve) => {
      const id = this.#nextCall++;
      this.#calls.set(id, { spec, resolve });
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
  threadEnded(cause: Error | null = null): void {
    this.#ended = true;
    this.#failAll((spec) => threadEndedError(spec.request.op, cause));
  }

  #failAll(error: (spec: AnySupervisorRequest) => WireError): void {
    for (const call of this.#calls.values()) settleFailed(call, error(call.spec));
    this.#calls.clear();
  }
}

/** Settle `call` with a typed failure: the thread ended, its answer was unreadable, or it refused. */
function settleFailed({ spec, resolve }: PendingCall, error: WireError): void {
  resolve(failedOutcome(spec.generation, error, true));
}

/**
 * The failure of a control call whose supervisor thread ended before it answered; `cause` is
 * what ended the thread, when it said (an uncaught error, or a failure to load).
 */
export function threadEndedError(operation: string, cause?: Error | null): WireError {
  return {
    code: ErrorCode.WORKER_UNAVAILABLE,
    message: `the supervisor thread ended during ${operation}${cause ? `: ${cause.message}` : ''}`,
    facts: { operation, reason: 'supervisor_thread_ended' },
    ...(cause ? { cause: { name: cause.name, message: cause.message } } : {}),
  };
}

/** Objects named before the numbering starts afresh. */
export const MAX_REFS = 256;

export class RefNamer {
  #ids = new WeakMap<object, number>();
  #next = 0;
  #reset = false;

  /** The request without its session and schemas, and the references that replace them. */
  name(spec: AnySupervisorRequest): { spec: AnySupervisorRequest; refs: SpecRefs | undefined } {
    if (!('schemas' in spec || 'session' in spec)) return { spec, refs: undefined };
    const { session, schemas } = spec;
    // Built field by field: a rest pattern costs more than the rest of naming on this hot path.
    const rest = {
      id: spec.id,
      generation: spec.generation,
      request: spec.request,
      timeoutMs: spec.timeoutMs,
      idleTimeoutMs: spec.idleTimeoutMs,
    };
    if (this.#next >= MAX_REFS) this.forget();
    const fields: Partial<Record<RefField, number>> = {};
    const defs: [number, object][] = [];
    if (session) fields.session = this.#ref(session, defs);
    for (const field of SCHEMA_FIELDS) {
      const schema = schemas?.[field];
      if (schema) fields[field] = this.#ref(schema, defs);
    }
    const refs: SpecRefs = { fields, defs, reset: this.#reset };
    this.#reset = false;
    return { spec: rest as AnySupervisorRequest, refs };
  }

  /**
   * Name everything afresh from the next request on: after `MAX_REFS` objects, or when a request
   * may not have arrived (its post failed).
   */
  forget(): void {
    this.#ids = new WeakMap();
    this.#next = 0;
    this.#reset = true;
  }

  #ref(value: object, defs: [number, object][]): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(value, id);
      defs.push([id, value]);
    }
    return id;
  }
}
