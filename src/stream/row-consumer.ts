/**
 * The consuming end of a row port, usable in any thread: an async iterable of rows that grants
 * credit back as it is drained (so the producer is paced by the consumer), plus the terminal
 * outcome. Rows are tentative until `summary` resolves; nothing is dropped.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, errorFromWire, LeanWorkerError, makeError } from '../errors.js';
import {
  type BatchItem,
  type DiagnosticItem,
  failedOutcome,
  type LeanWorkerDataRow,
  type ProgressItem,
  type RequestOutcome,
  type RowPortMessage,
  type RowPortReply,
  type StreamSummaryData,
} from '../protocol/port-messages.js';

export interface RowConsumerOptions<Row> {
  /** Consumer-side row decoding for schemas that cannot be checked in the supervisor. */
  readonly decodeRow?: ((row: LeanWorkerDataRow) => LeanWorkerDataRow<Row>) | undefined;
  readonly onDiagnostic?: ((event: DiagnosticItem) => void) | undefined;
  readonly onProgress?: ((event: ProgressItem) => void) | undefined;
  /** Awaited once the last row has been read, before the iterator reports done or throws. */
  readonly beforeDone?: (() => Promise<unknown>) | undefined;
  /** Hears a failure of this side (a row decode, a callback, an unreadable batch) before it is thrown. */
  readonly onLocalFailure?: ((error: LeanWorkerError) => void) | undefined;
}

/**
 * Consumed batches are credited back in groups of this many, which saves a message per batch.
 * Whatever the producer's window, nothing stalls: every owed credit is returned as soon as the
 * consumer is about to wait.
 */
const CREDIT_GRANT = 4;

/** The rows of a row run: its payloads, parsed, each given its stream and sequence. */
function rowRun(stream: string, first: number, text: string): BatchItem[] {
  const items = JSON.parse(text) as unknown[];
  for (let i = 0; i < items.length; i++) items[i] = { stream, sequence: first + i, payload: items[i] };
  return items as BatchItem[];
}

export class RowPortConsumer<Row = unknown> implements AsyncIterable<LeanWorkerDataRow<Row>> {
  readonly #port: MessagePort;
  readonly #options: RowConsumerOptions<Row>;
  readonly #batches: BatchItem[][] = [];
  #index = 0;
  #outcome: RequestOutcome | null = null;
  #localError: LeanWorkerError | null = null;
  #wake: (() => void) | null = null;
  #iterating = false;
  #closed = false;
  /** Batches consumed whose credit has not been returned yet. */
  #owedCredit = 0;
  readonly outcome: Promise<RequestOutcome>;
  #resolveOutcome!: (outcome: RequestOutcome) => void;
  /** Rows handed to the iterator so far. */
  rowsSeen = 0;
  /** Buffered batches whose credit went back on arrival (see `verified`). */
  #prepaid = 0;
  #unpaced = false;
  #verdict: { resolve: () => void; reject: (error: LeanWorkerError) => void } | null = null;

  constructor(port: MessagePort, options: RowConsumerOptions<Row> = {}) {
    this.#port = port;
    this.#options = options;
    this.outcome = new Promise((resolve) => {
      this.#resolveOutcome = resolve;
    });
    port.on('message', (message: RowPortMessage) => this.#onMessage(message));
    // A batch that cannot be read would be rows lost without a word: fail the stream instead.
    port.on('messageerror', (cause: Error) => {
      const facts = { reason: 'message_unreadable' };
      this.#fail(makeError(ErrorCode.PROTOCOL, 'a row batch could not be read', { facts, cause }));
      this.#wakeUp();
    });
    port.on('close', () => {
      if (this.#outcome || this.#closed) return;
      // The producer vanished (its thread ended) without a terminal outcome.
      const error = { code: ErrorCode.WORKER_UNAVAILABLE, message: 'row producer closed without an outcome' };
      this.#onMessage({ type: 'end', outcome: failedOutcome(-1, error, true, this.rowsSeen) });
    });
    port.start();
  }

  /** Terminal success, or the typed failure. */
  get summary(): Promise<StreamSummaryData> {
    return this.outcome.then((outcome) => {
      if (outcome.ok) return outcome.summary as StreamSummaryData;
      throw errorFromWire(outcome.error);
    });
  }

  /** The first failure of this side, if any. */
  get localError(): LeanWorkerError | null {
    return this.#localError;
  }

  /**
   * Resolves once every row has arrived and decoded (the end message came, with no local
   * failure); rejects with the first local failure. From the call on, batches are credited as
   * they arrive, so the rows the producer still holds come without anyone iterating.
   */
  verified(): Promise<void> {
    if (this.#localError) return Promise.reject(this.#localError);
    if (this.#outcome) return Promise.resolve();
    if (!this.#unpaced) {
      this.#unpaced = true;
      this.#owedCredit += this.#batches.length - this.#prepaid;
      this.#prepaid = this.#batches.length;
      this.#grantCredit();
    }
    return new Promise((resolve, reject) => {
      this.#verdict = { resolve, reject };
    });
  }

  /** Stop early: the request in flight is cancelled (the child is killed and replaced). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#outcome) this.#reply({ type: 'close' });
    this.#port.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<LeanWorkerDataRow<Row>> {
    if (this.#iterating) throw makeError(ErrorCode.INVALID_ARGUMENT, 'a row stream can be iterated once');
    this.#iterating = true;
    return {
      next: () => this.#next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async #next(): Promise<IteratorResult<LeanWorkerDataRow<Row>>> {
    while (true) {
      if (this.#localError) throw this.#localError;
      const batch = this.#batches[0];
      if (batch) {
        if (this.#index >= batch.length) {
          this.#batches.shift();
          this.#index = 0;
          if (this.#prepaid > 0) this.#prepaid -= 1;
          else this.#owedCredit += 1;
          if (this.#owedCredit >= CREDIT_GRANT) this.#grantCredit();
          continue;
        }
        const item = batch[this.#index++] as BatchItem;
        if ('kind' in item) {
          this.#callback(item);
          continue;
        }
        this.rowsSeen += 1;
        return { done: false, value: item as LeanWorkerDataRow<Row> };
      }
      if (this.#outcome) {
        if (this.#outcome.ok) {
          await this.#options.beforeDone?.();
          return { done: true, value: undefined };
        }
        // Let the owner settle its bookkeeping first (a lease is invalid once the loop throws).
        await this.#options.beforeDone?.().catch(() => {});
        throw errorFromWire(this.#outcome.error);
      }
      // About to wait: return every credit owed, or the producer may be waiting for it.
      this.#grantCredit();
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /**
   * Decode the rows of a batch as it arrives, so a failure is known before the summary is
   * trusted; a failing row ends the stream there (the rows after it are dropped).
   */
  #decodeBatch(batch: BatchItem[]): BatchItem[] {
    const decode = this.#options.decodeRow;
    if (!decode || this.#localError) return batch;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i] as BatchItem;
      if ('kind' in item) continue;
      try {
        batch[i] = decode(item) as BatchItem;
      } catch (error) {
        this.#fail(
          error instanceof LeanWorkerError
            ? error
            : makeError(ErrorCode.ROW_DECODE, 'row does not match the command schema', {
                facts: { stream: item.stream, sequence: item.sequence },
                cause: error,
              }),
        );
        return batch.slice(0, i);
      }
    }
    return batch;
  }

  #callback(item: DiagnosticItem | ProgressItem): void {
    try {
      if (item.kind === 'diagnostic') this.#options.onDiagnostic?.(item);
      else this.#options.onProgress?.(item);
    } catch (cause) {
      const facts = { callback: item.kind === 'diagnostic' ? 'onDiagnostic' : 'onProgress' };
      this.#fail(makeError(ErrorCode.CONSUMER, `${item.kind} callback threw`, { facts, cause }));
      throw this.#localError;
    }
  }

  /** This side failed: record it, tell the owner first (before anything throws), end the stream. */
  #fail(error: LeanWorkerError): void {
    if (this.#localError) return;
    this.#localError = error;
    this.#options.onLocalFailure?.(error);
    this.#verdict?.reject(error);
    this.#verdict = null;
    this.close();
  }

  #onMessage(message: RowPortMessage): void {
    if (message.type === 'end') {
      this.#outcome = message.outcome;
      this.#resolveOutcome(message.outcome);
      this.#port.close();
      this.#verdict?.resolve();
      this.#verdict = null;
    } else if (!this.#localError) {
      const batch =
        message.type === 'rows'
          ? rowRun(message.stream, message.first, message.text)
          : 'text' in message
            ? (JSON.parse(message.text) as BatchItem[])
            : message.items;
      this.#batches.push(this.#decodeBatch(batch));
      if (this.#unpaced) {
        this.#prepaid += 1;
        this.#reply({ type: 'credit', batches: 1 });
      }
    }
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #grantCredit(): void {
    if (this.#owedCredit === 0) return;
    if (!this.#outcome) this.#reply({ type: 'credit', batches: this.#owedCredit });
    this.#owedCredit = 0;
  }

  #reply(message: RowPortReply): void {
    try {
      this.#port.postMessage(message);
    } catch {
      // the producer already closed its end
    }
  }
}
