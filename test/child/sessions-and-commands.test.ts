/** Host sessions (open vs reuse, LRU pool) and string exports (JSON, metadata, doctor). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { call, open, readyTestChild, stream } from './harness.js';

describe('host sessions', () => {
  it('opens, then reuses an identical key without importing again', async () => {
    const child = await readyTestChild();
    const first = await child.call(open(['Mathlib.Order.Basic']));
    expect(first.response.status).toBe('host_session_opened');
    const again = await child.call(open(['Mathlib.Order.Basic']));
    expect(again.response.status).toBe('host_session_reused');
    if (first.response.status !== 'host_session_opened' || again.response.status !== 'host_session_reused')
      return;
    expect(again.response.import_stats).toEqual(first.response.import_stats);
    expect(first.response.import_stats.direct_import_names).toEqual(['Mathlib.Order.Basic']);
    const info = await child.call(call('json_command', 'session_info'));
    expect(info.response).toMatchObject({ status: 'json_command' });
    if (info.response.status === 'json_command')
      expect(JSON.parse(info.response.response_json).opens).toBe(1);
  });

  it('treats import order, profile, root and mode as part of the key', async () => {
    const child = await readyTestChild();
    await child.call(open(['A', 'B']));
    expect((await child.call(open(['B', 'A']))).response.status).toBe('host_session_opened');
    expect((await child.call(open(['A', 'B'], '/other'))).response.status).toBe('host_session_opened');
    const profile = { ...open(['A', 'B']), import_profile: 'server' as const };
    expect((await child.call(profile)).response.status).toBe('host_session_opened');
  });

  it('keeps parked sessions up to the capacity and evicts the least recently used', async () => {
    const child = await readyTestChild([], { LEAN_RS_WORKER_SESSION_POOL_CAPACITY: '2' });
    const status = async (imports: string[]) => (await child.call(open(imports))).response.status;
    expect(await status(['A'])).toBe('host_session_opened');
    expect(await status(['B'])).toBe('host_session_opened');
    expect(await status(['A'])).toBe('host_session_reused'); // A current, B parked
    expect(await status(['C'])).toBe('host_session_opened'); // parks A, evicts B
    expect(await status(['A'])).toBe('host_session_reused');
    expect(await status(['B'])).toBe('host_session_opened');
  });

  it('capacity 1 keeps only the current session', async () => {
    const child = await readyTestChild([], { LEAN_RS_WORKER_SESSION_POOL_CAPACITY: '1' });
    await child.call(open(['A']));
    await child.call(open(['B']));
    expect((await child.call(open(['A']))).response.status).toBe('host_session_opened');
  });

  it('a failed import is an error and leaves no current session', async () => {
    const child = await readyTestChild();
    await child.call(open(['A']));
    const failed = await child.call(open(['Fixture.FailImport']));
    expect(failed.response).toMatchObject({ status: 'error', code: 'lean_rs.module_init' });
    const missing = await child.call(call('json_command', 'session_info'));
    expect(missing.response).toMatchObject({ status: 'error', code: 'lean_rs.worker.session_missing' });
    expect((await child.call(open(['A']))).response.status).toBe('host_session_reused');
  });

  it('session_missing for exports that need a session, and for all exports under --require-session', async () => {
    const child = await readyTestChild();
    expect((await child.call(stream('needs_session_stream'))).response).toMatchObject({
      code: 'lean_rs.worker.session_missing',
    });
    expect((await child.call(stream('rows', { count: 1 }))).response.status).toBe('stream_complete');
    const strict = await readyTestChild(['--require-session']);
    expect((await strict.call(stream('rows'))).response).toMatchObject({
      code: 'lean_rs.worker.session_missing',
    });
    expect((await strict.call(stream('no_such_export'))).response).toMatchObject({
      code: 'lean_rs.worker.session_missing',
    });
    await strict.call(open(['A']));
    expect((await strict.call(stream('rows', { count: 1 }))).response.status).toBe('stream_complete');
  });

  it.runIf(process.platform === 'linux')('allocates real private memory on open when asked', async () => {
    const child = await readyTestChild(['--open-kib=65536', '--open-delay-ms=20']);
    const rssAnon = () => {
      const status = readFileSync(`/proc/${child.proc.pid}/status`, 'utf8');
      return Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1]);
    };
    const before = rssAnon();
    const opened = await child.call(open(['Big']));
    expect(opened.response).toMatchObject({ import_stats: { imported_bytes: 65536 * 1024 } });
    expect(rssAnon() - before).toBeGreaterThanOrEqual(60_000);
  });
});

describe('string exports', () => {
  it('json_command answers the export text', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(call('json_command', 'echo', { x: 'ℝ → ℕ' }));
    expect(events).toEqual([]);
    expect(response.status).toBe('json_command');
    if (response.status === 'json_command')
      expect(JSON.parse(response.response_json)).toEqual({ echo: { x: 'ℝ → ℕ' } });
    const raw = await child.call({ op: 'json_command', export: 'echo_raw', request_json: '{ "kept" : 1 }' });
    expect(raw.response).toEqual({ status: 'json_command', response_json: '{ "kept" : 1 }' });
  });

  it('a throwing json export is error{lean_rs.lean_exception}', async () => {
    const child = await readyTestChild();
    expect((await child.call(call('json_command', 'json_throws'))).response).toMatchObject({
      status: 'error',
      code: 'lean_rs.lean_exception',
    });
  });

  it('capability_metadata parses the report, and rejects malformed ones', async () => {
    const child = await readyTestChild();
    const good = await child.call(call('capability_metadata', 'metadata'));
    expect(good.response).toEqual({
      status: 'capability_metadata',
      metadata: {
        commands: [{ name: 'rows', version: 'fixture-1' }],
        capabilities: [{ name: 'rows.json.raw', version: 'fixture-1' }],
        lean_version: 'fixture-lean-4',
        extra: { fixture: 'test-child', schema: 'generic' },
      },
    });
    for (const name of ['metadata_malformed', 'metadata_not_json']) {
      const bad = await child.call(call('capability_metadata', name));
      expect(bad.response.status).toBe('capability_metadata_malformed');
    }
  });

  it('capability_doctor parses the report, and rejects malformed ones', async () => {
    const child = await readyTestChild();
    const good = await child.call(call('capability_doctor', 'doctor'));
    expect(good.response).toMatchObject({ status: 'capability_doctor' });
    if (good.response.status === 'capability_doctor') {
      expect(good.response.report.diagnostics.map((d) => d.severity)).toEqual(['pass', 'warning']);
    }
    const bad = await child.call(call('capability_doctor', 'doctor_malformed'));
    expect(bad.response.status).toBe('capability_doctor_malformed');
  });
});
