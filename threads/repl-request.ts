/**
 * One repl request in flight: the answer's messages and sorries go to the relay as rows (one
 * stream each, per-stream sequence), then exactly one terminal outcome. The outcome of a check
 * is reported as a completed stream, the same terminal shape a protocol v10 stream has, so
 * leases, streams and pool accounting treat both child kinds alike.
 */
import type { ReplSupervisorRequest } from '../src/protocol/repl-work.js';
import { RunningRequest } from './driver-contract.js';
import type { ReplMappedResult } from './repl/mapping.js';

/** Rough bytes of one row for batch sizing (text plus fixed fields). */
function rowBytes(payload: unknown): number {
  const p = payload as { text?: string; goal?: string };
  return 96 + (p.text?.length ?? 0) + (p.goal?.length ?? 0);
}

export class ReplRunningRequest extends RunningRequest<ReplSupervisorRequest> {
  /** Relay the rows of an answer, then finish with its summary. */
  answer({ rows, summary }: ReplMappedResult): void {
    if (this.finished) return;
    for (const { stream, sequence, payload } of rows) {
      const bytes = rowBytes(payload);
      this.counts.rowsDelivered += 1;
      this.counts.payloadBytes += bytes;
      this.relay?.push({ stream, sequence, payload }, bytes);
    }
    const wire = {
      total_rows: summary.totalRows,
      per_stream_counts: { ...summary.perStreamCounts },
      elapsed_micros: Math.round(summary.elapsedMs * 1000),
      metadata: summary.metadata,
    };
    this.succeed({ status: 'stream_complete', summary: wire }, { summary });
  }
}
