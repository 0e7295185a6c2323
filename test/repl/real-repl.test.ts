/**
 * The same checks against a real leanprover-community repl, opt-in: set `LEAN_REPL_COMMAND` to
 * the command that starts it (a JSON array, or words split on spaces, never run through a shell),
 * e.g. `lake env /path/to/repl/.lake/build/bin/repl`, and optionally `LEAN_REPL_CWD` (the Lake
 * project it runs in) and `LEAN_REPL_TIMEOUT_MS` (per test, default 300000).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { connectReplChild } from '../../src/repl/connect.js';
import type { ReplMessageRow, ReplSorryRow } from '../../src/repl/mapping.js';
import { spawnForTest } from './fake-child.js';

const raw = process.env.LEAN_REPL_COMMAND?.trim() || undefined;
const argv: string[] = raw === undefined ? [] : raw.startsWith('[') ? JSON.parse(raw) : raw.split(/\s+/);
const timeout = Number(process.env.LEAN_REPL_TIMEOUT_MS ?? 300_000);

function realSession() {
  const [command, ...args] = argv;
  const child = spawnForTest(command!, args, {}, process.env.LEAN_REPL_CWD);
  return connectReplChild(child);
}

describe.skipIf(raw === undefined)(
  'real repl (skipped: LEAN_REPL_COMMAND is not set, no Lean toolchain assumed)',
  () => {
    it('checks a clean snippet against the default header', { timeout }, async () => {
      const session = realSession();
      const { summary } = await session.run('\ntheorem t : 2 + 2 = 4 := by decide\n');
      expect(summary.metadata).toMatchObject({ ok: true, errors: 0, sorries: 0 });
    });

    it('reports an unknown identifier at snippet coordinates', { timeout }, async () => {
      const session = realSession();
      const { rows, summary } = await session.run('\n\nexample : Nat := error_here\n');
      expect(summary.metadata.ok).toBe(false);
      const error = rows.find((r) => (r.payload as ReplMessageRow).severity === 'error')!
        .payload as ReplMessageRow;
      expect(error.pos).toEqual({ line: 3, column: 17 });
    });

    it('reports a sorry with its goal and proof state, usable in tactic mode', { timeout }, async () => {
      const session = realSession();
      const { rows, summary } = await session.run('theorem p (n : Nat) : n + 0 = n := by sorry\n');
      expect(summary.metadata).toMatchObject({ ok: true, warnings: 1, sorries: 1 });
      const sorry = rows.find((r) => r.stream === 'sorries')!.payload as ReplSorryRow;
      expect(sorry.pos).toEqual({ line: 1, column: 38 });
      expect(sorry.goal).toBe('n : Nat\n⊢ n + 0 = n');
      const warning = rows.find((r) => r.stream === 'messages')!.payload as ReplMessageRow;
      expect(warning.pos).toEqual({ line: 1, column: 8 });
      const step = await session.runTactic(sorry.proofState!, 'simp');
      expect(step.summary.metadata.goals).toEqual([]);
    });

    it('detects a header whose import fails', { timeout }, async () => {
      const session = realSession();
      await expect(
        session.run('import Broken.Module\n\ntheorem t : True := trivial\n'),
      ).rejects.toMatchObject({
        code: ErrorCode.WORKER,
        facts: { kind: 'repl_header_failed' },
      });
    });
  },
);
