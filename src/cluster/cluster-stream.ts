/**
 * The stream a cluster job returns: the shape of a lease's stream (async-iterable rows, a
 * `summary` promise, `collect()`, `cancel()`, `await using`). Each row carries its attempt. Rows
 * are tentative until the summary resolves: when a new attempt starts, rows of the earlier one not
 * yet read are dropped, and `collect()` returns only the successful attempt's rows, each once.
 * Exactly one terminal entry settles a job; anything after it is ignored.
 */
import { ErrorCode, errorFromWire, type LeanWorkerError, makeError } from '../errors.js';
import type { LeanWorkerDataRow, StreamSummaryData } from '../protocol/port-messages.js';
import type { LeanWorkerStreamSummary } from '../stream/lean-worker-stream.js';
import { publishCluster, publishEnded } from './events.js';
import { type EndEntry, nextStreamId, type StreamEntry } from './wire.js';

/** A row of a cluster job: a lease's row plus the attempt that produced it. */
export interface LeanWorkerClusterRow<Row = unknown> extends LeanWorkerDataRow<Row> {
  readonly attempt: number;
}

/** Where and how a cluster job ended. */
export interface ClusterJobFacts {
  readonly jobId: string;
  /** Attempts the job took (the successful one included). */
  readonly attempts: number;
  readonly node: string;
  /** Whether the successful attempt found its key warm on its node. */
  readonly warm: boolean;
}

/** A cluster stream's summary: the lease's summary plus where it ran. */
export interface LeanWorkerClusterSummary<Summary = unknown>
  extends LeanWorkerStreamSummary<Summary>,
    ClusterJobFacts {}

/** What a stream needs of its client. */
export interface StreamHost {
  /** Entries before `minId` are read: delete them, and read on. */
  trim(key: string, minId: string): void;
  finished(stream: LeanWorkerClusterStream): void;
  cancel(jobId: string): void;
  check(jobId: string): Promise<LeanWorkerError | null>;
  readonly checkIntervalMs: number;
  readonly bufferRows: number;
}

type Outcome = { ok: true; value: unknown; facts: ClusterJobFacts } | { ok: false; error: LeanWorkerError };

/** How a job's rows and summary are decoded (a JSON command has no rows). */
export interface Decoders<Row, Summary> {
  readonly decodeRow?: (row: LeanWorkerClusterRow) => LeanWorkerClusterRow<Row>;
  readonly decodeSummary: (summary: StreamSummaryData) => LeanWorkerStreamSummary<Summary>;
}

export class LeanWorkerClusterStream<Row = unknown, Summary = unknown>
  implements AsyncIterable<LeanWorkerClusterRow<Row>>
{
  readonly jobId: string;
  readonly key: string;
  /** @internal The raw terminal value and facts (a JSON command's response is decoded from it). */
  readonly end: Promise<{ value: unknown; facts: ClusterJobFacts }>;
  readonly summary: Promise<LeanWorkerClusterSummary<Summary>>;
  readonly #host: StreamHost;
  readonly #decoders: Decoders<Row, Summary>;
  readonly #buffer: { id: string; row: LeanWorkerClusterRow<unknown> }[] = [];
  #settle!: (outcome: Outcome) => void;
  #attempt = 0;
  #settled = false;
  #sinceTrim = 0;
  #wake: (() => void) | null = null;
  #lastEntryAt = performance.now();
  #watchdog: NodeJS.Timeout;
  #checking = false;

  /** @internal Built by the cluster client. */
  constructor(jobId: string, key: string, host: StreamHost, decoders: Decoders<Row, Summary>) {
    this.jobId = jobId;
    this.key = key;
    this.#host = host;
    this.#decoders = decoders;
    this.end = new Promise((resolve, reject) => {
      this.#settle = (o) => (o.ok ? resolve(o) : reject(o.error));
    });
    this.end.catch(() => {});
    this.summary = this.end.then(({ value, facts }) => ({
      ...decoders.decodeSummary(value as StreamSummaryData),
      ...facts,
    }));
    this.summary.catch(() => {});
    this.#watchdog = setInterval(() => this.#check(), host.checkIntervalMs).unref();
  }

  /** @internal Entries handed over and not yet consumed. */
  buffered(): number {
    return this.#buffer.length;
  }

  /** @internal An entry of the job's stream, in order. */
  push(id: string, entry: StreamEntry): void {
    this.#lastEntryAt = performance.now();
    if (this.#settled || entry.attempt < this.#attempt) {
      this.#consumed(id);
      return;
    }
    if (entry.attempt > this.#attempt) {
      // A new attempt: the earlier one failed, its unread rows are void.
      this.#attempt = entry.attempt;
      this.#buffer.length = 0;
    }
    if (entry.kind === 'rows') {
      const { attempt } = entry;
      for (const { stream, sequence, payload } of entry.rows) {
        this.#buffer.push({ id, row: { stream, sequence, payload, attempt } });
      }
    } else {
      this.#consumed(id);
      if (entry.kind === 'end') this.#finish(entry);
    }
    this.#wakeReader();
  }

  #finish(end: EndEntry): void {
    if (end.ok) {
      const facts = { jobId: this.jobId, attempts: end.attempt, node: end.node, warm: end.warm };
      this.#done({ ok: true, value: end.value, facts });
    } else {
      const facts = { ...(end.error.facts ?? {}), jobId: this.jobId, attempts: end.attempt, node: end.node };
      this.#done({ ok: false, error: errorFromWire({ ...end.error, facts }) });
    }
    publishEnded(this.jobId, end.node, end);
  }

  /** @internal The job failed on this side (Redis, a lost job, a refused row). */
  fail(error: LeanWorkerError): void {
    this.#done({ ok: false, error });
  }

  #done(outcome: Outcome): void {
    if (this.#settled) return;
    this.#settled = true;
    clearInterval(this.#watchdog);
    if (!outcome.ok) this.#buffer.length = 0;
    this.#settle(outcome);
    this.#host.finished(this);
    this.#wakeReader();
  }

  #wakeReader(): void {
    this.#wake?.();
    this.#wake = null;
  }

  #consumed(id: string): void {
    // Rows of one entry share its id: the entry goes once its last row is read.
    if (this.#buffer[0]?.id === id) return;
    if (++this.#sinceTrim >= Math.max(1, this.#host.bufferRows / 4) || this.#buffer.length === 0) {
      this.#sinceTrim = 0;
      this.#host.trim(this.key, nextStreamId(id));
    }
  }

  async #check(): Promise<void> {
    if (this.#checking || this.#settled) return;
    if (performance.now() - this.#lastEntryAt < this.#host.checkIntervalMs) return;
    this.#checking = true;
    try {
      const error = await this.#host.check(this.jobId);
      if (error) this.fail(error);
    } finally {
      this.#checking = false;
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LeanWorkerClusterRow<Row>> {
    while (true) {
      const item = this.#buffer.shift();
      if (item) {
        const row = this.#decode(item.row);
        this.#consumed(item.id);
        yield row;
        continue;
      }
      if (this.#settled) {
        await this.end;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #decode(row: LeanWorkerClusterRow<unknown>): LeanWorkerClusterRow<Row> {
    const decode = this.#decoders.decodeRow;
    if (!decode) return row as LeanWorkerClusterRow<Row>;
    try {
      return decode(row);
    } catch (error) {
      // A row refused here ends the job, as a refused row ends a lease's request.
      this.#host.cancel(this.jobId);
      this.fail(error as LeanWorkerError);
      throw error;
    }
  }

  /** Read every row, then the summary: the successful attempt's rows, each once. */
  async collect() {
    const rows: LeanWorkerClusterRow<Row>[] = [];
    for await (const row of this) {
      // A later attempt voids the rows collected from an earlier one.
      if (rows.length > 0 && rows.at(-1)?.attempt !== row.attempt) rows.length = 0;
      rows.push(row);
    }
    return { rows, summary: await this.summary };
  }

  /** Cancel the job: the node cancels its lease; the summary rejects with ABORTED. */
  cancel(reason?: unknown): void {
    if (this.#settled) return;
    this.#host.cancel(this.jobId);
    publishCluster('job-cancelled', { jobId: this.jobId, node: null });
    this.fail(
      makeError(ErrorCode.ABORTED, 'the cluster job was cancelled', {
        facts: { reason: 'cluster_cancelled', jobId: this.jobId },
        cause: reason,
      }),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cancel();
    await this.end.catch(() => {});
  }
}
