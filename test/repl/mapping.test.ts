import { describe, expect, it } from 'vitest';
import { REPL_STREAMS } from '../../src/protocol/repl-rows.js';
import type { ReplCommandResponse } from '../../threads/repl/schemas.js';
import { mapCommandResponse, mapProofStepResponse } from '../../threads/repl/session.js';

const response: ReplCommandResponse = {
  env: 7,
  messages: [
    { severity: 'info', pos: { line: 1, column: 0 }, endPos: { line: 1, column: 6 }, data: 'Nat : Type' },
    {
      severity: 'error',
      pos: { line: 2, column: 17 },
      endPos: { line: 2, column: 27 },
      data: 'Unknown identifier',
    },
    { severity: 'warning', pos: { line: 3, column: 8 }, endPos: null, data: 'declaration uses `sorry`' },
    { severity: 'error', pos: { line: 4, column: 0 }, data: 'second error' },
  ],
  sorries: [
    { pos: { line: 3, column: 30 }, endPos: { line: 3, column: 35 }, goal: '⊢ Nat', proofState: 0 },
    { goal: '⊢ Int', proofState: null },
  ],
};

describe('mapCommandResponse', () => {
  const { rows, summary } = mapCommandResponse(response, {
    shift: { lineOffset: 2, firstLineColumnOffset: 5 },
    elapsedMs: 12.5,
  });

  it('emits one messages row per message and one sorries row per sorry, sequenced per stream from 0', () => {
    expect(rows.map((r) => [r.stream, r.sequence])).toEqual([
      ['messages', 0],
      ['messages', 1],
      ['messages', 2],
      ['messages', 3],
      ['sorries', 0],
      ['sorries', 1],
    ]);
  });

  it('shifts positions back to snippet coordinates', () => {
    expect(rows[0]!.payload).toEqual({
      severity: 'info',
      pos: { line: 3, column: 5 },
      endPos: { line: 3, column: 11 },
      text: 'Nat : Type',
    });
    expect(rows[1]!.payload).toMatchObject({ pos: { line: 4, column: 17 }, endPos: { line: 4, column: 27 } });
    expect(rows[2]!.payload).toMatchObject({ endPos: null });
    expect(rows[3]!.payload).toMatchObject({ endPos: null });
    expect(rows[4]!.payload).toEqual({
      pos: { line: 5, column: 30 },
      endPos: { line: 5, column: 35 },
      goal: '⊢ Nat',
      proofState: 0,
    });
    expect(rows[5]!.payload).toEqual({ pos: null, endPos: null, goal: '⊢ Int', proofState: null });
  });

  it('ends with a summary that counts rows and severities', () => {
    expect(summary).toEqual({
      totalRows: 6,
      perStreamCounts: { [REPL_STREAMS.messages]: 4, [REPL_STREAMS.sorries]: 2 },
      elapsedMs: 12.5,
      metadata: { ok: false, errors: 2, warnings: 1, infos: 1, sorries: 2, env: 7 },
    });
  });

  it('reports ok with zero rows for a clean answer', () => {
    const clean = mapCommandResponse({ env: 1 }, { elapsedMs: 0 });
    expect(clean.rows).toEqual([]);
    expect(clean.summary.metadata).toEqual({
      ok: true,
      errors: 0,
      warnings: 0,
      infos: 0,
      sorries: 0,
      env: 1,
    });
    expect(clean.summary.perStreamCounts).toEqual({ messages: 0, sorries: 0 });
  });
});

describe('mapProofStepResponse', () => {
  it('keeps tactic positions and reports the new proof state, goals and status', () => {
    const { rows, summary } = mapProofStepResponse(
      {
        proofState: 3,
        goals: [],
        proofStatus: 'Incomplete: contains sorry',
        messages: [
          { severity: 'error', pos: { line: 0, column: 0 }, endPos: { line: 0, column: 0 }, data: 'bad' },
        ],
      },
      { elapsedMs: 1 },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.payload).toMatchObject({ pos: { line: 0, column: 0 } });
    expect(summary.metadata).toMatchObject({
      ok: false,
      env: null,
      proofState: 3,
      goals: [],
      proofStatus: 'Incomplete: contains sorry',
    });
  });
});
