/**
 * The node's side of a job's row stream: rows appended with XADD (pipelined, in order), and the
 * credit rule that bounds them: the client deletes what it has read, so the stream's length is
 * what is unread; past `window` the node stops reading its child (the lease's own backpressure
 * then stops the child) until the reader has caught up to half of it.
 */
import type { Redis } from 'ioredis';
import { ErrorCode, makeError } from '../errors.js';
import type { LeanWorkerDataRow } from '../protocol/port-messages.js';
import { clusterError, sleep } from './redis.js';
import { entryFields } from './wire.js';

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
  #sinceCheck = 0;
  #last: Promise<unknown> = Promise.resolve();
  #error: unknown;
  rows = 0;

  constructor(redis: Redis, options: RowWriterOptions) {
    this.#redis = redis;
    this.#o = options;
    this.#checkEvery = Math.max(1, Math.floor(options.window / 4));
  }

  /** Append a row; waits only when it is time to check the reader's progress. */
  async push(row: LeanWorkerDataRow): Promise<void> {
    this.#throwIfFailed();
    const fields = entryFields({
      kind: 'row',
      attempt: this.#o.attempt,
      stream: row.stream,
      sequence: row.sequence,
      payload: row.payload,
    });
    const sent = this.#redis.xadd(this.#o.key, '*', ...fields);
    sent.catch((error: unknown) => {
      this.#error ??= error;
    });
    this.#last = sent;
    this.rows += 1;
    if (++this.#sinceCheck >= this.#checkEvery) {
      this.#sinceCheck = 0;
      await this.#credit();
    }
  }

  /** Wait until every row written so far is in Redis. */
  async flush(): Promise<void> {
    await this.#last.catch(() => {});
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw clusterError(this.#error, { jobId: this.#o.jobId });
  }

  async #credit(): Promise<void> {
    await this.flush();
    let unread = await this.#redis.xlen(this.#o.key);
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
      unread = await this.#redis.xlen(this.#o.key);
      if (unread < lowest) {
        lowest = unread;
        progressAt = performance.now();
      }
    }
  }
}
