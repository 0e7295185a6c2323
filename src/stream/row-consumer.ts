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
  emptyRequestStats,
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

  constructor(port: MessagePort, options: RowConsumerOptions<Row> = {}) {
    this.#port = port;
    this.#options = options;
    this.outcome = new Promise((resolve) => {
      this.#resolveOutcome = resolve;
    });
    port.on('message', (message: RowPortMessage) => this.#onMessage(message));
    port.on('close', () => {
      if (this.#outcome || this.#closed) return;
      // The producer vanished (its thread ended) without a terminal outcome.
      this.#onMessage({
        type: 'end',
        outcome: {
          ok: false,
          generation: -1,
          error: { code: ErrorCode.WORKER_UNAVAILABLE, message: 'row producer closed without an outcome' },
          workEnteredChild: true,
          restarted: false,
          stats: emptyRequestStats(this.rowsSeen),
        },
      });
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
          this.#owedCredit += 1;
          if (this.#owedCredit >= CREDIT_GRANT) this.#grantCredit();
          continue;
        }
        const item = batch[this.#index++] as BatchItem;
        if ('kind' in item) {
          this.#callback(item);
          continue;
        }
        this.rowsSeen += 1;
        return { done: false, value: this.#decode(item) };
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

  #decode(row: LeanWorkerDataRow): LeanWorkerDataRow<Row> {
    if (!this.#options.decodeRow) return row as LeanWorkerDataRow<Row>;
    try {
      return this.#options.decodeRow(row);
    } catch (error) {
      this.#localError =
        error instanceof LeanWorkerError
          ? error
          : makeError(ErrorCode.ROW_DECODE, 'row does not match the command schema', {
              facts: { stream: row.stream, sequence: row.sequence },
              cause: error,
            });
      this.close();
      throw this.#localError;
    }
  }

  #callback(item: DiagnosticItem | ProgressItem): void {
    try {
      if (item.kind === 'diagnostic') this.#options.onDiagnostic?.(item);
      else this.#options.onProgress?.(item);
    } catch (error) {
      this.#localError = makeError(ErrorCode.CONSUMER, `${item.kind} callback threw`, {
        facts: { callback: item.kind === 'diagnostic' ? 'onDiagnostic' : 'onProgress' },
        cause: error,
      });
      this.close();
      throw this.#localError;
    }
  }

  #onMessage(message: RowPortMessage): void {
    if (message.type === 'rows') {
      this.#batches.push(rowRun(message.stream, message.first, message.text));
    } else if (message.type === 'batch') {
      this.#batches.push('text' in message ? (JSON.parse(message.text) as BatchItem[]) : message.items);
    } else {
      this.#outcome = message.outcome;
      this.#resolveOutcome(message.outcome);
      this.#port.close();
    }
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
