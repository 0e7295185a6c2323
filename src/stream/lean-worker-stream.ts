/**
 * The stream a lease returns: rows as an async iterable, the terminal `summary`, `collect()` that
 * commits rows only after success, and `transferPort()` to hand the rows to another thread so they
 * never touch the main thread.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, errorFromWire, makeError } from '../errors.js';
import type { LeanWorkerDataRow, RequestOutcome, StreamSummaryData } from '../protocol/port-messages.js';
import { type RowConsumerOptions, RowPortConsumer } from './row-consumer.js';

/** A typed terminal summary. */
export interface LeanWorkerStreamSummary<Summary = unknown> extends StreamSummaryData<Summary> {}

export class LeanWorkerStream<Row = unknown, Summary = unknown>
  implements AsyncIterable<LeanWorkerDataRow<Row>>
{
  #consumer: RowPortConsumer<Row> | null = null;
  /** Null once the rows were transferred to another thread. */
  #port: MessagePort | null;
  #ended = false;
  readonly #options: RowConsumerOptions<Row>;
  readonly #control: Promise<RequestOutcome>;
  readonly summary: Promise<LeanWorkerStreamSummary<Summary>>;

  /** @internal Built by the lease. */
  constructor(
    port: MessagePort,
    control: Promise<RequestOutcome>,
    options: RowConsumerOptions<Row> & {
      decodeSummary?: (summary: StreamSummaryData) => LeanWorkerStreamSummary<Summary>;
    },
  ) {
    this.#port = port;
    this.#options = options;
    this.#control = control;
    const decodeSummary = options.decodeSummary ?? ((s) => s as LeanWorkerStreamSummary<Summary>);
    const ended = () => {
      this.#ended = true;
    };
    control.then(ended, ended);
    // The control-plane outcome is authoritative and arrives even when the rows went elsewhere.
    // Rows checked here (not in the supervisor) must all have decoded too: a row failure fails
    // the summary, never only the iterator.
    this.summary = control.then(async (outcome) => {
      // A row refused here cancels the request: its failure, not the cancellation it caused, is
      // the stream's outcome, whichever reached this thread first.
      const local = this.#consumer?.localError;
      if (local) throw local;
      if (!outcome.ok) throw errorFromWire(outcome.error);
      if (options.decodeRow) await this.#ensureConsumer().verified();
      return decodeSummary(outcome.summary as StreamSummaryData);
    });
    this.summary.catch(() => {});
  }

  #ensureConsumer(): RowPortConsumer<Row> {
    if (!this.#port) {
      throw makeError(
        ErrorCode.INVALID_ARGUMENT,
        'the rows of this stream were transferred to another thread',
      );
    }
    // Iteration ends only once the summary has been decoded, so a summary failure surfaces there.
    this.#consumer ??= new RowPortConsumer<Row>(this.#port, {
      ...this.#options,
      beforeDone: () => this.summary,
    });
    return this.#consumer;
  }

  [Symbol.asyncIterator](): AsyncIterator<LeanWorkerDataRow<Row>> {
    return this.#ensureConsumer()[Symbol.asyncIterator]();
  }

  /** Read every row, then the summary; rows are returned only if the stream succeeded. */
  async collect(): Promise<{ rows: LeanWorkerDataRow<Row>[]; summary: LeanWorkerStreamSummary<Summary> }> {
    const rows: LeanWorkerDataRow<Row>[] = [];
    for await (const row of this) rows.push(row);
    return { rows, summary: await this.summary };
  }

  /** Cancel the request by closing the rows early (the worker is killed and replaced). */
  cancel(): void {
    if (this.#port) this.#ensureConsumer().close();
  }

  /**
   * `await using stream = lease.runStreamingCommand(...)`: leaving the scope cancels a stream
   * whose request has not ended (as `cancel()` does) and waits until the request is over, so
   * the lease can be released or reused at once. Never throws; read `summary` for the outcome.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#ended) this.cancel();
    await this.#control.catch(() => {});
  }

  /**
   * Detach the row port to post it (with a transfer list) to another thread, where
   * `consumeRowPort(port)` reads it. Only before iteration has started.
   */
  transferPort(): MessagePort {
    const port = this.#port;
    if (!port)
      throw makeError(ErrorCode.INVALID_ARGUMENT, 'the rows of this stream were already transferred');
    if (this.#consumer)
      throw makeError(ErrorCode.INVALID_ARGUMENT, 'cannot transfer a stream that is being read');
    if (this.#options.decodeRow) {
      // Its row schema is checked where the rows are read, with the schema, which cannot travel.
      throw makeError(ErrorCode.INVALID_ARGUMENT, 'the rows of this command are checked on this thread', {
        facts: { reason: 'consumer_checked_schema' },
      });
    }
    this.#port = null;
    return port;
  }

  /** @internal The control-plane outcome (for lease bookkeeping). */
  get outcome(): Promise<RequestOutcome> {
    return this.#control;
  }
}

/** Read a transferred row port in any thread. */
export function consumeRowPort<Row = unknown>(
  port: MessagePort,
  options: RowConsumerOptions<Row> = {},
): RowPortConsumer<Row> {
  return new RowPortConsumer<Row>(port, options);
}
