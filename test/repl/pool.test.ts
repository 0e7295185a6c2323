/** Checking snippets through the pool on repl workers (the compiled fake repl). */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { LeanWorkerSessionLease } from '../../src/lease.js';
import type { ReplMessageRow, ReplSorryRow } from '../../src/protocol/repl-rows.js';
import { LeanReplLease } from '../../src/repl/lease.js';
import { source } from '../pool/helpers.js';
import { fakeRepl, MATHLIB, makePool } from './pool-helpers.js';

describe('repl workers through the pool', () => {
  it('checks snippets on one warm worker per header, shifting positions back to each snippet', async () => {
    const pool = makePool({ maxWorkers: 2 });
    const repl = fakeRepl();
    const first = `${MATHLIB}def ok := 1\nexample : Nat := error_here\n`;
    const second = `import Aesop\n-- same imports, other order\nimport Mathlib\nimport Aesop\n\ntheorem p (n : Nat) : n + 0 = n := by sorry\n`;
    expect(repl.forSnippet(first).sessionKey()).toBe(repl.forSnippet(second).sessionKey());

    const a = await pool.withLease(repl.forSnippet(first), (lease) => lease.check(first).collect());
    expect(a.summary.metadata).toMatchObject({ ok: false, errors: 1, warnings: 0, sorries: 0 });
    const error = a.rows[0]!.payload as ReplMessageRow;
    expect(a.rows[0]!.stream).toBe('messages');
    expect(error).toMatchObject({
      severity: 'error',
      pos: { line: 5, column: 17 },
      endPos: { line: 5, column: 27 },
    });

    const b = await pool.withLease(repl.forSnippet(second), (lease) => lease.check(second).collect());
    expect(b.summary.metadata).toMatchObject({ ok: true, errors: 0, warnings: 1, sorries: 1 });
    expect(b.summary.perStreamCounts).toEqual({ messages: 1, sorries: 1 });
    const sorry = b.rows.find((r) => r.stream === 'sorries')!.payload as ReplSorryRow;
    expect(sorry.pos).toEqual({ line: 6, column: 38 });
    expect(typeof b.summary.metadata?.env).toBe('number');

    const snapshot = pool.snapshot();
    expect(snapshot).toMatchObject({ keyMisses: 1, keyHits: 1, workers: 1, imports: 1 });
    // At end of input the repl exits by itself: a graceful stop needs no kill.
    expect((await pool.close()).outcomes).toEqual({ graceful: 1 });
  });

  it('runs a tactic on a proof state from a sorry of the same lease', async () => {
    const pool = makePool();
    const repl = fakeRepl();
    const snippet = `${MATHLIB}theorem p (n : Nat) : n + 0 = n := by sorry\n`;
    await using lease = await pool.acquireLease(repl.forSnippet(snippet));
    const { rows } = await lease.check(snippet).collect();
    const sorry = rows.find((r) => r.stream === 'sorries')!.payload as ReplSorryRow;
    const step = await lease.runTactic(sorry.proofState!, 'simp').summary;
    expect(step.metadata).toMatchObject({ ok: true, goals: [], proofStatus: 'Completed' });
  });

  it('refuses a snippet of another header on a lease without touching the worker', async () => {
    const pool = makePool();
    const repl = fakeRepl();
    await using lease = await pool.acquireLease(repl.forSnippet(MATHLIB));
    const error = await lease
      .check('import Lean\n\n#eval 1\n')
      .summary.catch((e: unknown) => e as { code: string; facts: Record<string, unknown> });
    expect(error).toMatchObject({
      code: ErrorCode.INVALID_ARGUMENT,
      facts: { kind: 'repl_session_key_mismatch' },
    });
    expect(lease.isValid).toBe(true);
    expect((await lease.check(`${MATHLIB}#eval 2\n`).summary).metadata?.ok).toBe(true);
  });

  it('grants a lease of the source kind: repl commands on a repl source, capability commands otherwise', async () => {
    const pool = makePool({ maxWorkers: 2 });
    await using repl = await pool.acquireLease(fakeRepl().forSnippet(MATHLIB));
    expect(repl.kind).toBe('repl');
    expect(repl).toBeInstanceOf(LeanReplLease);
    expect('runDataStream' in repl).toBe(false);
    expect('runStreamingCommand' in repl).toBe(false);
    await using worker = await pool.acquireLease(source([]));
    expect(worker.kind).toBe('capability');
    expect(worker).toBeInstanceOf(LeanWorkerSessionLease);
    expect('check' in worker).toBe(false);
    expect('runTactic' in worker).toBe(false);
    expect((await repl.check(`${MATHLIB}#eval 2\n`).summary).metadata?.ok).toBe(true);
    expect(repl.isValid).toBe(true);
    expect(worker.isValid).toBe(true);
  });
});
