/** The fake repl speaks the real repl's wire format and fails the way it does. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runFakeRaw } from './fake-child.js';

/** Split stdout into its blank-line separated answers. */
function answers(stdout: string): unknown[] {
  return stdout
    .split(/\n\n/)
    .filter((s) => s.trim() !== '')
    .map((s) => JSON.parse(s));
}

describe('fake repl wire format', () => {
  it('answers in Lean pretty layout, keys in reverse order, each answer followed by a blank line', async () => {
    const run = await runFakeRaw('{"cmd": "theorem two : 1 + 1 = 2 := by sorry"}\n\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        '{"sorries":',
        ' [{"proofState": 0,',
        '   "pos": {"line": 1, "column": 30},',
        '   "goal": "⊢ 1 + 1 = 2",',
        '   "endPos": {"line": 1, "column": 35}}],',
        ' "messages":',
        ' [{"severity": "warning",',
        '   "pos": {"line": 1, "column": 8},',
        '   "endPos": {"line": 1, "column": 11},',
        '   "data": "declaration uses `sorry`"}],',
        ' "env": 0}',
        '',
        '',
      ].join('\n'),
    );
  });

  it('counts env ids up, omits empty fields and answers a short object on one line', async () => {
    const run = await runFakeRaw('{"cmd": "def f := 1"}\n\n{"cmd": "def g := 2", "env": 0}\n\n');
    expect(run.stdout).toBe('{"env": 0}\n\n{"env": 1}\n\n');
  });

  it('joins a request spread over several lines and answers a last request without a blank line', async () => {
    const run = await runFakeRaw('{"cmd":\n "#eval 3"}\n\n{"cmd": "#eval 4", "env": 0}');
    expect(answers(run.stdout)).toMatchObject([{ env: 0, messages: [{ data: '3' }] }, { env: 1 }]);
    expect(run.code).toBe(0);
  });

  it('skips queries starting with # or --', async () => {
    const run = await runFakeRaw('# a comment\n\n-- another\n\n{"cmd": "def f := 1"}\n\n');
    expect(answers(run.stdout)).toEqual([{ env: 0 }]);
  });

  it('answers unknown env and proof state ids with a failure object', async () => {
    const run = await runFakeRaw('{"cmd": "def f := 1", "env": 5}\n\n{"tactic": "rfl", "proofState": 9}\n\n');
    expect(answers(run.stdout)).toEqual([
      { message: 'Unknown environment.' },
      { message: 'Unknown proof state.' },
    ]);
  });
});

describe('fake repl failure modes match the real one', () => {
  it('ends with status 1 and an uncaught exception on stderr for input that is not JSON', async () => {
    const run = await runFakeRaw('{"cmd": oops}\n\n');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.startsWith('uncaught exception: {"message":')).toBe(true);
    expect(run.stderr).toContain('Could not parse JSON:');
  });

  it('ends with status 1 on a stray extra blank line between requests', async () => {
    const run = await runFakeRaw('{"cmd": "def f := 1"}\n\n\n{"cmd": "def g := 1"}\n\n');
    expect(answers(run.stdout)).toEqual([{ env: 0 }]);
    expect(run.code).toBe(1);
  });

  it('ends with status 1 on JSON that is no known request', async () => {
    const run = await runFakeRaw('{"command": "def f := 1"}\n\n');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Could not parse as a valid JSON command');
  });

  it('ends with status 1 when unpickling a missing file, as the real repl does not catch it', async () => {
    const run = await runFakeRaw('{"unpickleEnvFrom": "/nonexistent/a.olean"}\n\n');
    expect(run.code).toBe(1);
    expect(run.stderr.startsWith('uncaught exception:')).toBe(true);
  });

  it('dies by a signal on #crash', async () => {
    const run = await runFakeRaw('{"cmd": "#crash"}\n\n');
    expect(run.signal).toBe('SIGKILL');
    expect(run.stdout).toBe('');
  });
});

describe('fake repl state', () => {
  it('pickles and unpickles environments and proof states', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fake-repl-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const envFile = path.join(dir, 'e.olean');
    const psFile = path.join(dir, 'p.olean');
    const input = [
      '{"cmd": "def f : Nat := by sorry"}',
      `{"pickleTo": ${JSON.stringify(envFile)}, "env": 0}`,
      `{"unpickleEnvFrom": ${JSON.stringify(envFile)}}`,
      `{"pickleTo": ${JSON.stringify(psFile)}, "proofState": 0}`,
      `{"unpickleProofStateFrom": ${JSON.stringify(psFile)}}`,
      '{"tactic": "exact 42", "proofState": 2}',
    ].join('\n\n');
    const run = await runFakeRaw(`${input}\n\n`);
    expect(answers(run.stdout)).toEqual([
      expect.objectContaining({ env: 0 }),
      { env: 0 },
      { env: 1 },
      { proofState: 1, goals: ['⊢ Nat'], proofStatus: 'Incomplete: open goals remain' },
      { proofState: 2, goals: ['⊢ Nat'], proofStatus: 'Incomplete: open goals remain' },
      { proofState: 3, goals: [], proofStatus: 'Completed' },
    ]);
  });

  it('runs tactics: goals change, sorry is counted, unknown tactics fail', async () => {
    const input = [
      '{"cmd": "theorem t (p q : Prop) (hq : q) : p → q := by sorry"}',
      '{"tactic": "intro hp", "proofState": 0}',
      '{"tactic": "sorry", "proofState": 1}',
      '{"tactic": "exat hq", "proofState": 1}',
    ].join('\n\n');
    const run = await runFakeRaw(`${input}\n\n`);
    const [cmd, intro, sorry, unknown] = answers(run.stdout) as Record<string, unknown>[];
    expect(cmd).toMatchObject({ sorries: [{ goal: 'p q : Prop\nhq : q\n⊢ p → q', proofState: 0 }] });
    expect(intro).toEqual({
      proofState: 1,
      goals: ['p q : Prop\nhq : q\nhp : p\n⊢ q'],
      proofStatus: 'Incomplete: open goals remain',
    });
    expect(sorry).toMatchObject({
      goals: [],
      proofStatus: 'Incomplete: contains sorry',
      sorries: [{ proofState: 3 }],
    });
    expect(unknown).toEqual({ message: 'Lean error:\n<input>:1:1: unknown tactic' });
  });

  it('drops a failed import silently by default and reports it with FAKE_REPL_HEADER_ERRORS=report', async () => {
    const input = '{"cmd": "import Mathlib\\nimport Broken.Thing"}\n\n{"cmd": "#check Nat", "env": 0}\n\n';
    const dropped = answers((await runFakeRaw(input)).stdout) as Record<string, unknown>[];
    expect(dropped[0]).toEqual({ env: 0 });
    expect(dropped[1]).toMatchObject({ messages: [{ severity: 'error' }] });
    const reported = answers((await runFakeRaw(input, { FAKE_REPL_HEADER_ERRORS: 'report' })).stdout);
    expect(reported[0]).toMatchObject({
      env: 0,
      messages: [{ severity: 'error', pos: { line: 1, column: 0 }, endPos: null }],
    });
  });
});
