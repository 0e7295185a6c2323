/**
 * The node's side of a job's row stream. Rows go out in entries of up to `ROWS_PER_ENTRY` (a run
 * the child produced together; a lone row goes out at the next turn of the event loop), each one
 * XADD, pipelined and in order. The client deletes each entry once it has read it, so the rows of
 * the entries still in the stream are the unread ones; past `window` of them the node stops
 * reading its child (the lease's own backpressure then stops the child) until the reader is back
 * under half of it.
 */
import type { Redis } from 'ioredis';
import { ErrorCode, makeError } from '../errors.js';
import type { LeanWorkerDataRow } from '../protocol/port-messages.js';
import { clusterError, sleep } from './redis.js';
import { compareStreamIds, entryFields, ROWS_PER_ENTRY } from './wire.js';

export interface RowWriterOptions {
  readonly jobId: string;
  readonly key: string;
  readonly attempt: number;
  readonly window: number;
  readonly pollMs: number;
  /** No progress by the reader for this long: the job is cancelled. */
  readonly consumerTimeoutMs: number;
  readonly signal: AbortSignal;
  /** Called when the writer starts waiting for the reader, with the unread count. */
  readonly onPause: (unread: number) => void;
}

export class RowWriter {
  readonly #redis: Redis;
  readonly #o: RowWriterOptions;
  readonly #checkEvery: number;
  /** Entries written and maybe unread: id and row count, oldest first. */
  readonly #sent: { id: string; rows: number }[] = [];
  #pending: LeanWorkerDataRow[] = [];
  #scheduled = false;
  #sinceCheck = 0;
  #last: Promise<unknown> = Promise.resolve();
  #error: unknown;

  constructor(redis: Redis, options: RowWriterOptions) {
    this.#redis = redis;
    this.#o = options;
    this.#checkEvery = Math.max(1, Math.floor(options.window / 4));
  }

  /** Queue a row; waits only when it is time to check the reader's progress. */
  async push(row: LeanWorkerDataRow): Promise<void> {
    this.#throwIfFailed();
    this.#pending.push(row);
    if (this.#pending.length >= ROWS_PER_ENTRY) this.#send();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#send());
    }
    if (++this.#sinceCheck >= this.#checkEvery) {
      this.#sinceCheck = 0;
      await this.#credit();
    }
  }

  #send(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const rows = this.#pending;
    this.#pending = [];
    const fields = entryFields({ kind: 'rows', attempt: this.#o.attempt, rows });
    const sent = this.#redis.xadd(this.#o.key, '*', ...fields);
    this.#last = sent.then(
      (id) => {
        if (id) this.#sent.push({ id, rows: rows.length });
      },
      (error: unknown) => {
        this.#error ??= error;
      },
    );
  }

  /** Wait until every row queued so far is in Redis. */
  async flush(): Promise<void> {
    this.#send();
    await this.#last;
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw clusterError(this.#error, { jobId: this.#o.jobId });
  }

  /** Rows in entries the reader has not deleted yet. */
  async #unread(): Promise<number> {
    const first = (await this.#redis.xrange(this.#o.key, '-', '+', 'COUNT', 1))[0]?.[0];
    while (this.#sent[0] && (first === undefined || compareStreamIds(this.#sent[0].id, first) < 0)) {
      this.#sent.shift();
    }
    return this.#sent.reduce((n, e) => n + e.rows, 0);
  }

  async #credit(): Promise<void> {
    await this.flush();
    let unread = await this.#unread();
    if (unread < this.#o.window) return;
    this.#o.onPause(unread);
    let progressAt = performance.now();
    let lowest = unread;
    while (unread >= this.#o.window / 2) {
      if (this.#o.signal.aborted) return;
      if (performance.now() - progressAt > this.#o.consumerTimeoutMs) {
        throw makeError(ErrorCode.ABORTED, 'the cluster client stopped reading rows', {
          facts: { reason: 'consumer_gone', waitedMs: this.#o.consumerTimeoutMs },
        });
      }
      await sleep(this.#o.pollMs, this.#o.signal);
      unread = await this.#unread();
      if (unread < lowest) {
        lowest = unread;
        progressAt = performance.now();
      }
    }
  }
}
