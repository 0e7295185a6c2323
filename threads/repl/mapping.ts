/**
 * Map repl answers onto the library's row model: each message is a row on stream `messages`,
 * each sorry a row on stream `sorries` (per-stream sequence from 0), then one terminal summary.
 * Positions are shifted from body coordinates back to the caller's snippet coordinates.
 */

import type { LeanWorkerDataRow, StreamSummaryData } from '../../src/protocol/port-messages.js';
import {
  REPL_STREAMS,
  type ReplMessageRow,
  type ReplSorryRow,
  type ReplSummaryMetadata,
} from '../../src/protocol/repl-rows.js';
import { type ReplSnippetSplit, shiftPosition } from '../../src/protocol/repl-snippet.js';
import type { ReplCommandResponse, ReplMessage, ReplProofStepResponse, ReplSorry } from './schemas.js';

/** Rows and summary of one answer. */
export interface ReplMappedResult {
  readonly rows: LeanWorkerDataRow<ReplMessageRow | ReplSorryRow>[];
  readonly summary: StreamSummaryData<ReplSummaryMetadata> & { readonly metadata: ReplSummaryMetadata };
}

/** How to map: position shift (identity when absent) and the elapsed time to report. */
export interface ReplMapOptions {
  readonly shift?: Pick<ReplSnippetSplit, 'lineOffset' | 'firstLineColumnOffset'>;
  readonly elapsedMs: number;
}

const NO_SHIFT = { lineOffset: 0, firstLineColumnOffset: 0 };

/** Map one message to a row payload. */
export function mapMessage(message: ReplMessage, shift = NO_SHIFT): ReplMessageRow {
  return {
    severity: message.severity,
    pos: shiftPosition(message.pos, shift),
    endPos: message.endPos == null ? null : shiftPosition(message.endPos, shift),
    text: message.data,
  };
}

/** Map one sorry to a row payload. */
export function mapSorry(sorry: ReplSorry, shift = NO_SHIFT): ReplSorryRow {
  return {
    pos: sorry.pos === undefined ? null : shiftPosition(sorry.pos, shift),
    endPos: sorry.endPos === undefined ? null : shiftPosition(sorry.endPos, shift),
    goal: sorry.goal,
    proofState: sorry.proofState ?? null,
  };
}

function mapParts(
  messages: readonly ReplMessage[],
  sorries: readonly ReplSorry[],
  options: ReplMapOptions,
  extra: Pick<ReplSummaryMetadata, 'env'> & Partial<ReplSummaryMetadata>,
): ReplMappedResult {
  const shift = options.shift ?? NO_SHIFT;
  const rows: ReplMappedResult['rows'] = [];
  messages.forEach((m, sequence) => {
    rows.push({ stream: REPL_STREAMS.messages, sequence, payload: mapMessage(m, shift) });
  });
  sorries.forEach((s, sequence) => {
    rows.push({ stream: REPL_STREAMS.sorries, sequence, payload: mapSorry(s, shift) });
  });
  const errors = messages.filter((m) => m.severity === 'error').length;
  const warnings = messages.filter((m) => m.severity === 'warning').length;
  const infos = messages.length - errors - warnings;
  return {
    rows,
    summary: {
      totalRows: rows.length,
      perStreamCounts: { [REPL_STREAMS.messages]: messages.length, [REPL_STREAMS.sorries]: sorries.length },
      elapsedMs: options.elapsedMs,
      metadata: { ok: errors === 0, errors, warnings, infos, sorries: sorries.length, ...extra },
    },
  };
}

/** Map a command answer (`cmd`, `path`) to rows and a summary. */
export function mapCommandResponse(response: ReplCommandResponse, options: ReplMapOptions): ReplMappedResult {
  return mapParts(response.messages ?? [], response.sorries ?? [], options, { env: response.env });
}

/** Map a tactic answer to rows and a summary; tactic positions are not shifted. */
export function mapProofStepResponse(
  response: ReplProofStepResponse,
  options: Pick<ReplMapOptions, 'elapsedMs'>,
): ReplMappedResult {
  return mapParts(
    response.messages ?? [],
    response.sorries ?? [],
    { elapsedMs: options.elapsedMs },
    {
      env: null,
      proofState: response.proofState,
      goals: response.goals,
      proofStatus: response.proofStatus ?? null,
    },
  );
}
