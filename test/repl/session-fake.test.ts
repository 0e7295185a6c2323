/** The session driver against the compiled fake repl, one child per test. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { ReplMessageRow, ReplSorryRow } from '../../src/protocol/repl-rows.js';
import { splitSnippet } from '../../src/protocol/repl-snippet.js';
import { fakeSession } from './fake-child.js';

const HEADER = 'import Mathlib\nimport Aesop\n\n';

describe('ReplSession on the fake repl', () => {
  it('runs the header once and checks bodies against its env', async () => {
    const { session } = fakeSession();
    const a = await session.run(`${HEADER}theorem a : 2 + 2 = 4 := by rfl\n`);
    const headerEnv = session.headerEnv;
    const b = await session.run(`import Aesop\nimport Mathlib\nimport Aesop\n\n#eval 5\n`);
    expect(session.headerEnv).toBe(headerEnv);
    expect(session.sessionKey).toBe('import Aesop\nimport Mathlib');
    expect(a.summary.metadata).toMatchObject({ ok: true, errors: 0 });
    // Header env, probe env, first body: the second body follows directly, so no second header was run.
    expect(b.summary.metadata.env).toBe((a.summary.metadata.env ?? -1) + 1);
    expect(b.rows).toEqual([
      {
        stream: 'messages',
        sequence: 0,
        payload: { severity: 'info', pos: { line: 5, column: 0 }, endPos: { line: 5, column: 5 }, text: '5' },
      },
    ]);
  });

  it('reports errors at snippet positions', async () => {
    const { session } = fakeSession();
    const { rows, summary } = await session.run(`${HEADER}def ok := 1\nexample : Nat := error_here\n`);
    expect(summary.metadata).toMatchObject({ ok: false, errors: 1, warnings: 0, sorries: 0 });
    expect(summary.perStreamCounts).toEqual({ messages: 1, sorries: 0 });
    const error = rows[0]!.payload as ReplMessageRow;
    expect(error.severity).toBe('error');
    expect(error.pos).toEqual({ line: 5, column: 17 });
    expect(error.endPos).toEqual({ line: 5, column: 27 });
  });

  it('reports sorries with goals and proof states usable in tactic mode', async () => {
    const { session } = fakeSession();
    const snippet = `${HEADER}theorem p (n : Nat) : n + 0 = n := by sorry\n`;
    const { rows, summary } = await session.run(snippet);
    expect(summary.metadata).toMatchObject({ ok: true, warnings: 1, sorries: 1 });
    const sorry = rows.find((r) => r.stream === 'sorries')!.payload as ReplSorryRow;
    expect(sorry.pos).toEqual({ line: 4, column: 38 });
    expect(sorry.goal).toBe('n : Nat\n⊢ n + 0 = n');
    const warning = rows.find((r) => r.stream === 'messages')!.payload as ReplMessageRow;
    expect(warning).toMatchObject({ severity: 'warning', pos: { line: 4, column: 8 } });

    const step = await session.runTactic(sorry.proofState!, 'simp');
    expect(step.summary.metadata).toMatchObject({ ok: true, goals: [], proofStatus: 'Completed' });
    await expect(session.runTactic(sorry.proofState!, 'exat foo')).rejects.toMatchObject({
      wire: { code: ErrorCode.WORKER, facts: { kind: 'repl_error', request: 'tactic' } },
    });
    expect(session.failure).toBeUndefined();
  });

  it('detects a silently dropped import failure with the probe and never caches the header', async () => {
    const { session } = fakeSession();
    const snippet = 'import Mathlib\nimport Broken.Module\n\ntheorem t : True := trivial\n';
    const first = await session.run(snippet).catch((e: unknown) => e);
    expect(first).toMatchObject({
      wire: {
        code: ErrorCode.WORKER,
        facts: {
          kind: 'repl_header_failed',
          detectedBy: 'probe',
          sessionKey: splitSnippet(snippet).sessionKey,
        },
      },
    });
    expect(session.headerEnv).toBeUndefined();
    const second = await session.run(snippet).catch((e: unknown) => e);
    expect(second).toMatchObject({ wire: { code: ErrorCode.WORKER, facts: { kind: 'repl_header_failed' } } });
    // The header ran again: its env id is new.
    const envOf = (e: unknown) => (e as { wire: { facts: { env: number } } }).wire.facts.env;
    expect(envOf(second)).toBeGreaterThan(envOf(first));
    // The process itself is fine: another key could still be opened by its owner.
    expect(session.failure).toBeUndefined();
  });

  it('detects a reported import failure from the header messages', async () => {
    const { session } = fakeSession({ FAKE_REPL_HEADER_ERRORS: 'report' });
    const failure = await session.run('import NotAModule\n\n#eval 1\n').catch((e: unknown) => e);
    expect(failure).toMatchObject({
      wire: {
        code: ErrorCode.WORKER,
        facts: { kind: 'repl_header_failed', detectedBy: 'messages', messages: [{ severity: 'error' }] },
      },
    });
  });

  it('turns a crash into CHILD_CRASH with the signal and the stderr tail', async () => {
    const { session } = fakeSession();
    await session.run(`${HEADER}def before := 1\n`);
    const failure = await session.run(`${HEADER}#crash\n`).catch((e: unknown) => e);
    expect(failure).toMatchObject({
      wire: {
        code: ErrorCode.CHILD_CRASH,
        facts: { kind: 'repl_eof', signal: 'SIGKILL', requestInFlight: true },
      },
    });
    expect((failure as { wire: { facts: { stderrTail: string } } }).wire.facts.stderrTail).toContain(
      'Stack overflow',
    );
    await expect(session.run(`${HEADER}def after := 1\n`)).rejects.toMatchObject({
      wire: { code: ErrorCode.CHILD_CRASH },
    });
  });

  it('turns EOF in the middle of a response into CHILD_EXIT', async () => {
    const { session } = fakeSession();
    await expect(session.run(`${HEADER}def x := 1\n#truncate\n`)).rejects.toMatchObject({
      wire: { code: ErrorCode.CHILD_EXIT, facts: { kind: 'repl_eof_mid_response', exitCode: 0 } },
    });
  });

  it('turns a clean exit with nothing written into CHILD_EXIT', async () => {
    const { session } = fakeSession();
    await expect(session.run(`${HEADER}#exit\n`)).rejects.toMatchObject({
      wire: { code: ErrorCode.CHILD_EXIT, facts: { kind: 'repl_eof', exitCode: 0 } },
    });
  });

  it('turns output that is not JSON into PROTOCOL', async () => {
    const { session } = fakeSession();
    await expect(session.run(`${HEADER}#garbage\n`)).rejects.toMatchObject({
      wire: { code: ErrorCode.PROTOCOL, facts: { kind: 'invalid_json' } },
    });
    expect(session.failure?.wire.code).toBe(ErrorCode.PROTOCOL);
  });

  it('turns an oversized response into FRAME_TOO_LARGE', async () => {
    const { session } = fakeSession({}, { maxResponseBytes: 4096 });
    await expect(session.run(`${HEADER}#big 100000\n`)).rejects.toMatchObject({
      wire: { code: ErrorCode.FRAME_TOO_LARGE, facts: { maxResponseBytes: 4096 } },
    });
  });

  it('turns a hang past the deadline into TIMEOUT and leaves the child to its owner', async () => {
    const { child, session } = fakeSession();
    await session.run(`${HEADER}def x := 1\n`);
    await expect(session.run(`${HEADER}#hang\n`, { timeoutMs: 200 })).rejects.toMatchObject({
      wire: { code: ErrorCode.TIMEOUT, facts: { kind: 'repl_timeout' } },
    });
    expect(child.exitCode).toBeNull();
    expect(session.failure?.wire.code).toBe(ErrorCode.TIMEOUT);
  });

  it('pays the configured import time per module', async () => {
    const { session } = fakeSession({ FAKE_REPL_IMPORT_MS: '60' });
    const header = await session.openHeader(splitSnippet('import Mathlib\nimport Aesop\n'));
    expect(header.reused).toBe(false);
    expect(header.elapsedMs).toBeGreaterThanOrEqual(2 * 60 - 1);
    expect((await session.openHeader(splitSnippet('import Aesop import Mathlib'))).reused).toBe(true);
  });

  const statusFile = (pid: number) => `/proc/${pid}/status`;
  const hasProc = existsSync('/proc/self/status');
  it.skipIf(!hasProc)('holds the configured import memory resident (needs /proc, Linux only)', async () => {
    const { child, session } = fakeSession({ FAKE_REPL_IMPORT_KIB: String(64 * 1024) });
    await session.openHeader(splitSnippet('import Mathlib\nimport Aesop\n'));
    const status = readFileSync(statusFile(child.pid!), 'utf8');
    const rssKib = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
    expect(rssKib).toBeGreaterThanOrEqual(2 * 64 * 1024);
    // A body can hold memory too (`#alloc KiB`), and it is never given back.
    await session.run('import Aesop import Mathlib\n#alloc 65536\n');
    const after = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(statusFile(child.pid!), 'utf8'))?.[1]);
    expect(after).toBeGreaterThanOrEqual(3 * 64 * 1024);
  });
});
