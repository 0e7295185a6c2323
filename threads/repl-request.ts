/**
 * One repl request in flight: the answer's messages and sorries go to the relay as rows (one
 * stream each, per-stream sequence), then exactly one terminal outcome. The outcome of a check
 * is reported as a completed stream, the same terminal shape a protocol v10 stream has, so
 * leases, streams and pool accounting treat both child kinds alike.
 */
import type { WireError } from '../src/protocol/error-codes.js';
import type { RequestOutcome, RequestStats, StreamSummaryData } from '../src/protocol/port-messages.js';
import type { ReplSupervisorRequest } from '../src/protocol/repl-work.js';
import type { RunningRequest } from './driver-contract.js';
import type { RowRelay } from './relay.js';
import type { ReplMappedResult } from './repl/mapping.js';

/** Rough bytes of one row for batch sizing (text plus fixed fields). */
function rowBytes(payload: unknown): number {
  const p = payload as { text?: string; goal?: string };
  return 96 + (p.text?.length ?? 0) + (p.goal?.length ?? 0);
}

export class ReplRunningRequest implements RunningRequest {
  readonly id: number;
  readonly spec: ReplSupervisorRequest;
  readonly done: Promise<RequestOutcome>;
  readonly #relay: RowRelay | null;
  readonly #generation: () => number;
  readonly #startedAt = performance.now();
  #resolve!: (outcome: RequestOutcome) => void;
  #finished = false;
  #rows = 0;
  #bytes = 0;

  constructor(spec: ReplSupervisorRequest, relay: RowRelay | null, generation: () => number) {
    this.id = spec.id;
    this.spec = spec;
    this.#relay = relay;
    this.#generation = generation;
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  get operation(): string {
    return this.spec.request.op;
  }

  /** Relay the rows of an answer, then finish with its summary. */
  succeed(result: ReplMappedResult): void {
    if (this.#finished) return;
    for (const row of result.rows) {
      const bytes = rowBytes(row.payload);
      this.#rows += 1;
      this.#bytes += bytes;
      this.#relay?.push({ stream: row.stream, sequence: row.sequence, payload: row.payload }, bytes);
    }
    const s = result.summary;
    const summary: StreamSummaryData = {
      totalRows: s.totalRows,
      perStreamCounts: s.perStreamCounts,
      elapsedMs: s.elapsedMs,
      metadata: s.metadata,
    };
    this.#finish({
      ok: true,
      generation: this.#generation(),
      response: {
        status: 'stream_complete',
        summary: {
          total_rows: s.totalRows,
          per_stream_counts: { ...s.perStreamCounts },
          elapsed_micros: Math.round(s.elapsedMs * 1000),
          metadata: s.metadata,
        },
      },
      summary,
      stats: this.#stats(),
    });
  }

  fail(error: WireError, details: { restarted: boolean; workEnteredChild: boolean }): void {
    this.#finish({
      ok: false,
      generation: this.#generation(),
      error,
      workEnteredChild: details.workEnteredChild,
      restarted: details.restarted,
      stats: this.#stats(),
    });
  }

  #stats(): RequestStats {
    return {
      rowsDelivered: this.#rows,
      payloadBytes: this.#bytes,
      diagnostics: 0,
      progressTicks: 0,
      backpressureWaits: this.#relay?.waits ?? 0,
      elapsedMs: performance.now() - this.#startedAt,
      sessionReopened: false,
    };
  }

  #finish(outcome: RequestOutcome): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#relay?.end(outcome);
    this.#resolve(outcome);
  }
}
