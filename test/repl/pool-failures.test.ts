/**
 * The repl failure model through the pool: the repl can neither cancel nor time out, so deadlines
 * and aborts kill and respawn the worker; crashes and off-protocol output are typed child
 * failures; broken headers are never cached; crash loops quarantine their key; use counts and
 * memory ceilings cycle workers.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { eventually, fakeRepl, MATHLIB, makePool, rejection } from './pool-helpers.js';

const check = (snippet: string) => `${MATHLIB}${snippet}\n`;

describe('repl failure model', () => {
  it('reports a header that fails to import and never caches its worker', async () => {
    const pool = makePool({ maxWorkers: 2 });
    for (const headerErrors of ['drop', 'report']) {
      const repl = fakeRepl({ FAKE_REPL_HEADER_ERRORS: headerErrors });
      const broken = 'import Mathlib\nimport Broken.Module\n\ntheorem t : True := trivial\n';
      for (let attempt = 0; attempt < 2; attempt++) {
        const error = await rejection(pool.acquireLease(repl.forSnippet(broken)), ErrorCode.WORKER);
        expect(error.facts).toMatchObject({ kind: 'repl_header_failed' });
        expect(error.facts.detectedBy).toBe(headerErrors === 'drop' ? 'probe' : 'messages');
      }
    }
    expect(pool.snapshot()).toMatchObject({ workers: 0, keyHits: 0, keyMisses: 4, coldOpenAdmitted: 0 });
    const ok = check('#eval 1');
    const summary = await pool.withLease(fakeRepl().forSnippet(ok), (l) => l.check(ok).summary);
    expect(summary.metadata?.ok).toBe(true);
  });

  it('quarantines a header that keeps failing to import past the restart intensity', async () => {
    const pool = makePool({ policy: { restartBackoffBaseMs: 0 } });
    const repl = fakeRepl({}, { policy: { maxRestarts: 1, restartWindowMs: 60_000 } });
    const broken = repl.forSnippet('import Broken.Module\n');
    await rejection(pool.acquireLease(broken), ErrorCode.WORKER);
    await rejection(pool.acquireLease(broken), ErrorCode.WORKER);
    await rejection(pool.acquireLease(broken), ErrorCode.QUARANTINED);
    expect(pool.snapshot()).toMatchObject({ quarantinedKeys: 1, keyMisses: 2 });
  });

  it('kills and respawns the worker at a deadline; the next check runs on the new generation', async () => {
    const pool = makePool();
    const repl = fakeRepl();
    const lease = await pool.acquireLease(repl.forSnippet(MATHLIB));
    const error = await rejection(lease.check(check('#hang'), { timeoutMs: 300 }).summary, ErrorCode.TIMEOUT);
    expect(error.facts).toMatchObject({ operation: 'repl_check', kind: 'total', timeoutMs: 300 });
    expect(lease.isValid).toBe(false);
    lease.release();
    const summary = await pool.withLease(repl.forSnippet(MATHLIB), (l) => l.check(check('#eval 3')).summary);
    expect(summary.metadata).toMatchObject({ ok: true, infos: 1 });
    expect(pool.snapshot()).toMatchObject({ workers: 1, timeoutRestarts: 1, keyHits: 1 });
  });

  it('kills and respawns the worker when the caller aborts a check in flight', async () => {
    const pool = makePool();
    const repl = fakeRepl();
    await using lease = await pool.acquireLease(repl.forSnippet(MATHLIB));
    const abort = new AbortController();
    const stream = lease.check(check('#hang'), { signal: abort.signal });
    setTimeout(() => abort.abort(), 100);
    await rejection(stream.summary, ErrorCode.ABORTED);
    expect(pool.snapshot()).toMatchObject({ cancelledRestarts: 1 });
  });

  it('reports a crash as CHILD_CRASH with the stderr tail, and the next check works', async () => {
    const pool = makePool();
    const repl = fakeRepl();
    const lease = await pool.acquireLease(repl.forSnippet(MATHLIB));
    const crash = await rejection(lease.check(check('#crash')).summary, ErrorCode.CHILD_CRASH);
    expect(crash.facts).toMatchObject({ operation: 'repl_check', signal: 'SIGKILL' });
    expect(String(crash.facts.stderrTail)).toContain('Stack overflow');
    lease.release();
    const garbage = await pool.withLease(repl.forSnippet(MATHLIB), (l) =>
      rejection(l.check(check('#garbage')).summary, ErrorCode.PROTOCOL),
    );
    expect(garbage.facts).toMatchObject({ kind: 'invalid_json' });
    const summary = await pool.withLease(repl.forSnippet(MATHLIB), (l) => l.check(check('#eval 4')).summary);
    expect(summary.metadata?.ok).toBe(true);
    expect(pool.snapshot()).toMatchObject({ workers: 1, crashRestarts: 1, protocolRestarts: 1, keyHits: 2 });
  });

  it('never takes a repeated late answer as the answer to the next check; the worker is replaced', async () => {
    const pool = makePool();
    const repl = fakeRepl();
    // The first answer (one error) is written again 300 ms later, while the next check still runs.
    const first = check('#repeat 300\nerror_here');
    const a = await pool.withLease(repl.forSnippet(first), (l) => l.check(first).collect());
    expect(a.summary.metadata).toMatchObject({ errors: 1 });
    const second = check('#sleep 900\n#eval 2');
    const stale = await pool.withLease(repl.forSnippet(second), (l) =>
      rejection(l.check(second).summary, ErrorCode.PROTOCOL),
    );
    expect(stale.facts).toMatchObject({ kind: 'repl_stale_response', field: 'env' });
    const third = check('#eval 3');
    const c = await pool.withLease(repl.forSnippet(third), (l) => l.check(third).summary);
    expect(c.metadata).toMatchObject({ ok: true, errors: 0, infos: 1 });
    expect(pool.snapshot()).toMatchObject({ workers: 1, protocolRestarts: 1 });
  });

  it('quarantines a header whose checks crash the worker past the restart intensity', async () => {
    const pool = makePool({ maxWorkers: 2, policy: { restartBackoffBaseMs: 0 } });
    const repl = fakeRepl({}, { policy: { maxRestarts: 2, restartWindowMs: 60_000 } });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const outcome = await pool
        .withLease(repl.forSnippet(MATHLIB), (l) => l.check(check('#crash')).summary)
        .then(
          () => 'ok',
          (e: { code: string }) => e.code,
        );
      codes.push(outcome);
    }
    expect(codes).toEqual([ErrorCode.CHILD_CRASH, ErrorCode.CHILD_CRASH, ErrorCode.CHILD_CRASH]);
    await eventually(() => expect(pool.snapshot().quarantinedKeys).toBe(1));
    await rejection(pool.acquireLease(repl.forSnippet(MATHLIB)), ErrorCode.QUARANTINED);
    const other = 'import Lean\n\n#eval 1\n';
    const summary = await pool.withLease(repl.forSnippet(other), (l) => l.check(other).summary);
    expect(summary.metadata?.ok).toBe(true);
  });

  it('cycles a worker after its maximum uses, importing the header again', async () => {
    const pool = makePool();
    const repl = fakeRepl({}, { policy: { maxRequests: 3 } });
    const envs: (number | null)[] = [];
    for (let i = 0; i < 7; i++) {
      const summary = await pool.withLease(
        repl.forSnippet(MATHLIB),
        (l) => l.check(check(`def v${i} := ${i}`)).summary,
      );
      expect(summary.metadata?.ok).toBe(true);
      envs.push(summary.metadata?.env ?? null);
    }
    // Env ids count up per process: a fresh process starts again after its header env and probe.
    expect(envs).toEqual([2, 3, 4, 2, 3, 4, 2]);
    expect(pool.snapshot()).toMatchObject({ maxRequestRestarts: 2, policyRestarts: 2, keyHits: 6 });
  });

  it('cycles a worker whose memory passed the per-worker ceiling before it takes more work', async () => {
    const pool = makePool({ policy: { memoryCeilingKib: 150_000 }, memorySampleIntervalMs: 50 });
    const repl = fakeRepl();
    const grow = await pool.withLease(
      repl.forSnippet(MATHLIB),
      (l) => l.check(check('#alloc 200000')).summary,
    );
    expect(grow.metadata?.ok).toBe(true);
    await eventually(() => expect(pool.snapshot().memory.privateSumKib).toBeGreaterThan(150_000));
    const after = await pool.withLease(repl.forSnippet(MATHLIB), (l) => l.check(check('#eval 5')).summary);
    expect(after.metadata).toMatchObject({ ok: true, env: 2 });
    expect(pool.snapshot()).toMatchObject({ memoryRestarts: 1, lastRestartReason: 'memory_ceiling' });
  });
});
