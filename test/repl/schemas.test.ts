import { describe, expect, it } from 'vitest';
import { classifyReplResponse } from '../../threads/repl/schemas.js';

describe('classifyReplResponse', () => {
  it('reads a command answer with fields omitted when empty', () => {
    expect(classifyReplResponse({ env: 4 })).toEqual({ kind: 'command', body: { env: 4 } });
  });

  it('accepts endPos null or absent and a sorry without position or proof state', () => {
    const value = {
      env: 0,
      messages: [
        { severity: 'error', pos: { line: 1, column: 0 }, endPos: null, data: 'unknown module prefix' },
        { severity: 'info', pos: { line: 2, column: 0 }, data: 'x' },
      ],
      sorries: [{ goal: '⊢ Nat', proofState: null }],
    };
    const r = classifyReplResponse(value);
    expect(r?.kind).toBe('command');
  });

  it('reads tactic answers with and without proofStatus', () => {
    expect(classifyReplResponse({ proofState: 2, goals: [], proofStatus: 'Completed' })?.kind).toBe(
      'proofStep',
    );
    expect(classifyReplResponse({ proofState: 2, goals: ['⊢ Int'] })?.kind).toBe('proofStep');
  });

  it('reads a failure answer', () => {
    expect(classifyReplResponse({ message: 'Unknown environment.' })).toEqual({
      kind: 'error',
      body: { message: 'Unknown environment.' },
    });
  });

  it('returns undefined for anything else', () => {
    for (const v of [null, [], 3, 'x', { env: 'a' }, { proofState: 1 }, { other: 1 }]) {
      expect(classifyReplResponse(v)).toBeUndefined();
    }
    expect(
      classifyReplResponse({
        env: 0,
        messages: [{ severity: 'fatal', pos: { line: 1, column: 0 }, data: '' }],
      }),
    ).toBeUndefined();
  });
});
