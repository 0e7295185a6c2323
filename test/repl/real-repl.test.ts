/**
 * The same checks through the pool against a real leanprover-community repl, opt-in: set
 * `LEAN_REPL_COMMAND` to the command that starts it (a JSON array, or words split on spaces,
 * never run through a shell), e.g. `lake env /path/to/repl/.lake/build/bin/repl`, and optionally
 * `LEAN_REPL_CWD` (the Lake project it runs in) and `LEAN_REPL_TIMEOUT_MS` (per test, default
 * 300000).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { ReplMessageRow, ReplSorryRow } from '../../src/protocol/repl-rows.js';
import { LeanReplBuilder } from '../../src/repl/builder.js';
import { makePool, rejection } from './pool-helpers.js';

const raw = process.env.LEAN_REPL_COMMAND?.trim() || undefined;
const argv: string[] = raw === undefined ? [] : raw.startsWith('[') ? JSON.parse(raw) : raw.split(/\s+/);
const timeout = Number(process.env.LEAN_REPL_TIMEOUT_MS ?? 300_000);

function realRepl(): LeanReplBuilder {
  const [command, ...args] = argv;
  return new LeanReplBuilder({
    command: command!,
    args,
    ...(process.env.LEAN_REPL_CWD ? { cwd: process.env.LEAN_REPL_CWD } : {}),
    startupTimeoutMs: timeout,
    requestTimeoutMs: timeout,
  });
}

describe.skipIf(raw === undefined)(
  'real repl through the pool (skipped: LEAN_REPL_COMMAND is not set, no Lean toolchain assumed)',
  () => {
    it('checks a clean snippet, then reuses the warm worker for the same header', { timeout }, async () => {
      const pool = makePool();
      const repl = realRepl();
      const snippet = '\ntheorem t : 2 + 2 = 4 := by decide\n';
      for (let i = 0; i < 2; i++) {
        const summary = await pool.withLease(repl.forSnippet(snippet), (l) => l.check(snippet).summary);
        expect(summary.metadata).toMatchObject({ ok: true, errors: 0, sorries: 0 });
      }
      expect(pool.snapshot()).toMatchObject({ keyMisses: 1, keyHits: 1 });
    });

    it('reports an unknown identifier at snippet coordinates', { timeout }, async () => {
      const pool = makePool();
      const snippet = '\n\nexample : Nat := error_here\n';
      const { rows, summary } = await pool.withLease(realRepl().forSnippet(snippet), (l) =>
        l.check(snippet).collect(),
      );
      expect(summary.metadata?.ok).toBe(false);
      const error = rows.find((r) => (r.payload as ReplMessageRow).severity === 'error')!
        .payload as ReplMessageRow;
      expect(error.pos).toEqual({ line: 3, column: 17 });
    });

    it('reports a sorry with its goal and proof state, usable in tactic mode', { timeout }, async () => {
      const pool = makePool();
      const snippet = 'theorem p (n : Nat) : n + 0 = n := by sorry\n';
      await using lease = await pool.acquireLease(realRepl().forSnippet(snippet));
      const { rows, summary } = await lease.check(snippet).collect();
      expect(summary.metadata).toMatchObject({ ok: true, warnings: 1, sorries: 1 });
      const sorry = rows.find((r) => r.stream === 'sorries')!.payload as ReplSorryRow;
      expect(sorry.pos).toEqual({ line: 1, column: 38 });
      expect(sorry.goal).toBe('n : Nat\n⊢ n + 0 = n');
      const warning = rows.find((r) => r.stream === 'messages')!.payload as ReplMessageRow;
      expect(warning.pos).toEqual({ line: 1, column: 8 });
      const step = await lease.runTactic(sorry.proofState!, 'simp').summary;
      expect(step.metadata?.goals).toEqual([]);
    });

    it('reports a header whose import fails and caches no worker for it', { timeout }, async () => {
      const pool = makePool();
      const source = realRepl().forSnippet('import Broken.Module\n\ntheorem t : True := trivial\n');
      const error = await rejection(pool.acquireLease(source), ErrorCode.WORKER);
      expect(error.facts).toMatchObject({ kind: 'repl_header_failed' });
      expect(pool.snapshot()).toMatchObject({ workers: 0, coldOpenAdmitted: 0 });
    });
  },
);
