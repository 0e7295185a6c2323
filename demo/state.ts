/**
 * The demo's live state: what each lease slot is doing, and the totals the progress bars and the
 * final result read. Rows are counted twice on purpose: `liveRows` as they arrive (tentative) and
 * the committed per-stream totals only from streams that ended in success.
 */
import type { BatchCommand } from './commands.js';

/** What one lease slot (one worker at a time) is doing. */
export interface LaneState {
  readonly lane: number;
  phase: 'waiting' | 'acquiring' | 'running' | 'recovering' | 'done';
  batch: number | null;
  label: string;
  batchModules: number;
  batchImports: number;
  command: string;
  /** Modules of the current command done, from chunk progress. */
  commandModulesDone: number;
  /** Committed rows of streams this slot ran. */
  rows: number;
  /** Module-commands this slot finished. */
  units: number;
  batches: number;
  peakPrivateKib: number;
}

/** A failure the demo injected and recovered from. */
export interface Recovery {
  readonly kind: 'cancellation' | 'timeout' | 'crash';
  readonly batch: number;
  readonly command: string;
  /** Error code the failed command ended with. */
  readonly code: string;
  readonly expectedCode: string;
  /** Rows delivered (tentative, then discarded) before the failure. */
  readonly rowsBeforeFailure: number;
  readonly leaseInvalidated: boolean;
  /** From the failure to the first success on a fresh lease. */
  recoveredMs: number | null;
}

/** A stream or command that failed without being injected. */
export interface DemoFailure {
  readonly batch: number;
  readonly command: string;
  readonly code: string;
  readonly message: string;
}

export class DemoState {
  readonly began = performance.now();
  readonly lanes: LaneState[];
  readonly totalBatches: number;
  /** Module-commands in the whole run (modules x commands). */
  readonly totalUnits: number;
  batchesDone = 0;
  unitsDone = 0;
  liveRows = 0;
  readonly perStream: Record<string, number> = {};
  readonly perCommand: Record<BatchCommand, { streams: number; rows: number }> = {
    index: { streams: 0, rows: 0 },
    extract: { streams: 0, rows: 0 },
    features: { streams: 0, rows: 0 },
    probe: { streams: 0, rows: 0 },
  };
  committedRows = 0;
  tentativeRowsDiscarded = 0;
  diagnostics = 0;
  readonly diagnosticCodes: Record<string, number> = {};
  progressEvents = 0;
  streamsSucceeded = 0;
  streamsFailed = 0;
  readonly acquireWaitsMs: number[] = [];
  readonly recoveries: Recovery[] = [];
  readonly failures: DemoFailure[] = [];
  readonly coveredBatches = new Set<number>();
  modulesCovered = 0;
  #listeners: ((line: string) => void)[] = [];

  constructor(lanes: number, totalBatches: number, totalUnits: number) {
    this.lanes = Array.from({ length: lanes }, (_, lane) => ({
      lane,
      phase: 'waiting' as const,
      batch: null,
      label: '',
      batchModules: 0,
      batchImports: 0,
      command: '',
      commandModulesDone: 0,
      rows: 0,
      units: 0,
      batches: 0,
      peakPrivateKib: 0,
    }));
    this.totalBatches = totalBatches;
    this.totalUnits = totalUnits;
  }

  get elapsedMs(): number {
    return performance.now() - this.began;
  }

  /** Subscribe to event lines (recoveries, readiness answers). */
  onEvent(listener: (line: string) => void): void {
    this.#listeners.push(listener);
  }

  event(line: string): void {
    for (const listener of this.#listeners) listener(line);
  }

  diagnostic(code: string): void {
    this.diagnostics += 1;
    this.diagnosticCodes[code] = (this.diagnosticCodes[code] ?? 0) + 1;
  }

  /** A stream ended in success: its rows are committed. */
  commit(command: BatchCommand, perStream: Readonly<Record<string, number>>, lane: LaneState): number {
    let rows = 0;
    for (const [stream, n] of Object.entries(perStream)) {
      this.perStream[stream] = (this.perStream[stream] ?? 0) + n;
      rows += n;
    }
    this.committedRows += rows;
    this.perCommand[command].streams += 1;
    this.perCommand[command].rows += rows;
    this.streamsSucceeded += 1;
    lane.rows += rows;
    return rows;
  }
}
