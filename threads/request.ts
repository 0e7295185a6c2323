/**
 * One request in flight on one child: frames in, rows out, exactly one terminal outcome. Rows and
 * the diagnostics/progress between them go to the relay in wire order; rows are checked against
 * the command's schema here and the answer in `outcome.ts`, off the main thread. A
 * `session_missing` answer reopens the session once, under the session's import deadline, and
 * retries the command under its own deadline again.
 */
import { DEFAULT_IMPORT_TIMEOUT_MS } from '../src/protocol/constants.js';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { ChildMessage, Request, Response } from '../src/protocol/messages.js';
import type { SupervisorRequest } from '../src/protocol/port-messages.js';
import { type GenerationLink, protocolViolation, RunningRequest } from './driver-contract.js';
import {
  classifyResponse,
  decodeError,
  SESSION_MISSING_CODE,
  type Settled,
  typedAnswer,
  wireError,
} from './outcome.js';
import type { RowRelay } from './relay.js';
import { type Checker, checkerFor } from './validation.js';

type Phase = 'running' | 'reopening' | 'retrying' | 'draining';

export class ActiveRequest extends RunningRequest<SupervisorRequest> {
  /** Encodes and writes a request frame to the child. */
  readonly #send: (request: Request) => void;
  /** Deepest nesting accepted in a JSON value the child sends (a frame checks its own). */
  readonly #maxJsonDepth: number;
  #phase: Phase = 'running';
  #pendingError: WireError | null = null;
  readonly #rowCheck: Checker | null;

  constructor(
    spec: SupervisorRequest,
    relay: RowRelay | null,
    link: GenerationLink,
    send: (request: Request) => void,
    maxJsonDepth: number,
  ) {
    super(spec, relay, link);
    this.#send = send;
    this.#maxJsonDepth = maxJsonDepth;
    this.#rowCheck = spec.schemas?.row ? checkerFor(spec.schemas.row) : null;
  }

  /** Handle one decoded frame from the child. */
  onFrame(message: ChildMessage, bytes: number): void {
    switch (message.type) {
      case 'data_row':
        this.#onRow(message.body, bytes, message.payloadText);
        return;
      case 'diagnostic':
        this.counts.diagnostics += 1;
        if (this.relay && this.#phase !== 'draining') {
          const { code, message: text } = message.body;
          this.relay.push({ kind: 'diagnostic', code, message: text }, bytes);
        }
        return;
      case 'progress_tick':
        this.counts.progressTicks += 1;
        if (this.relay && this.#phase !== 'draining') {
          const { phase, current, total } = message.body;
          const elapsedMs = performance.now() - this.startedAt;
          this.relay.push({ kind: 'progress', phase, current, total, elapsedMs }, bytes);
        }
        return;
      case 'response':
        this.#onResponse(message.body);
        return;
      case 'fatal_exit': {
        // The exit itself (EOF + wait) is what terminalizes; keep the child's own words.
        const { status, stderr } = message.body;
        const text = `worker child reported fatal exit: ${status}`;
        this.#pendingError = wireError(ErrorCode.CHILD_CRASH, text, { status, stderrTail: stderr });
        return;
      }
      case 'handshake':
        protocolViolation(this.link, 'handshake frame in the middle of a request', {
          reason: 'unexpected_message',
          messageType: 'handshake',
        });
        return;
    }
  }

  /** End of one stdout read. */
  onChunkEnd(): void {
    this.relay?.flush();
  }

  override fail(error: WireError, details: { restarted: boolean; workEnteredChild: boolean }): void {
    const crash = this.#pendingError && error.code === ErrorCode.CHILD_CRASH;
    super.fail(crash ? { ...error, cause: this.#pendingError as WireError } : error, details);
  }

  /** `payloadText`, when present, is the payload's own JSON text (see `decodeChildFrame`). */
  #onRow(
    row: { stream: string; sequence: number; payload: unknown },
    bytes: number,
    payloadText: string | undefined,
  ): void {
    if (!this.relay) {
      protocolViolation(this.link, `data row during ${this.operation}, which takes no rows`, {
        reason: 'row_without_stream',
        operation: this.operation,
      });
      return;
    }
    if (this.#phase === 'draining') return;
    let json = payloadText;
    let payload = row.payload;
    if (this.#rowCheck) {
      const checked = this.#rowCheck(row.payload);
      if (!checked.ok) {
        // Stop relaying, read on to the terminal response, fail without killing the child.
        this.#phase = 'draining';
        const { stream, sequence } = row;
        const text = "row does not match the command's row schema";
        this.#pendingError = decodeError(ErrorCode.ROW_DECODE, text, this.spec, checked.issues, {
          stream,
          sequence,
        });
        return;
      }
      payload = checked.value;
      if (!this.#rowCheck.preservesValue) json = undefined;
    }
    this.counts.rowsDelivered += 1;
    this.counts.payloadBytes += bytes;
    this.relay.push({ stream: row.stream, sequence: row.sequence, payload }, bytes, json);
  }

  #onResponse(response: Response): void {
    if (this.#phase === 'reopening') {
      if (response.status === 'host_session_opened' || response.status === 'host_session_reused') {
        this.#phase = 'retrying';
        // Only an open that imported counts as a reopen; a reuse imported nothing.
        this.counts.sessionReopened = response.status === 'host_session_opened';
        const { timeoutMs, idleTimeoutMs } = this.spec;
        this.link.rearm({ operation: this.operation, timeoutMs, idleTimeoutMs });
        this.#send(this.spec.request);
        return;
      }
      this.#settle(this.spec.session ? { op: 'open_host_session' } : this.spec.request, response);
      return;
    }
    if (
      response.status === 'error' &&
      response.code === SESSION_MISSING_CODE &&
      this.spec.session &&
      this.#phase === 'running' &&
      this.counts.rowsDelivered === 0
    ) {
      const s = this.spec.session;
      this.#phase = 'reopening';
      const importMs = s.importTimeoutMs ?? DEFAULT_IMPORT_TIMEOUT_MS;
      this.link.rearm({ operation: 'open_host_session', timeoutMs: importMs, idleTimeoutMs: importMs });
      this.#send({
        op: 'open_host_session',
        project_root: s.projectRoot,
        mode: s.mode,
        imports: [...s.imports],
        import_profile: s.importProfile,
      });
      return;
    }
    this.#settle(this.spec.request, response);
  }

  /** Settle on the terminal `response` to `request`: abandon, fail or succeed. */
  #settle(request: Request | { op: 'open_host_session' }, response: Response): void {
    let result: Settled = classifyResponse(request as Request, response);
    if (result.kind === 'answer' && !this.#pendingError)
      result = typedAnswer(this.spec, response, this.#maxJsonDepth);
    const error = this.#pendingError ?? (result.kind === 'failure' ? result.error : null);
    if (result.kind === 'violation') this.link.abandon(result.error);
    else if (error) this.fail(error, { restarted: false, workEnteredChild: true });
    // A json_command answer crosses once, parsed and checked, as `value`.
    else if (result.kind === 'answer')
      this.succeed(response.status === 'json_command' ? { status: 'json_command' } : response, result);
  }
}
