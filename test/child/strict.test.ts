/**
 * The child kit's strict mode holds a parent to the real `lean-rs-worker-child`'s rules: worker
 * requests need a session opened with a capability manifest that declares the export for the
 * request's binding, a broken manifest fails the open, and import order keys sessions.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportSignature } from '../../src/capability/manifest.js';
import type { Request } from '../../src/protocol/messages.js';
import { ensureStandInLibrary, STAND_IN_SYSROOT } from '../helpers/capability.js';
import { startFixture, stream } from './harness.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A manifest declaring `rows` (stream) and `echo` (JSON), with fields as the builder writes them. */
function manifest(patch: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-strict-'));
  temps.push(dir);
  const dylib = ensureStandInLibrary(dir, 'x', 'X');
  const file = path.join(dir, 'X.lean-rs-capability.json');
  writeFileSync(
    file,
    JSON.stringify({
      schema_version: 2,
      package: 'x',
      module: 'X',
      primary_dylib: dylib,
      dependencies: [],
      exports: [exportSignature('rows', 'stream'), exportSignature('echo', 'json')],
      ...patch,
    }),
  );
  return file;
}

function open(manifestPath: string | null, imports = ['X']): Request {
  return {
    op: 'open_host_session',
    project_root: '/tmp/strict-project',
    mode: { kind: 'capability', package: 'x', lib_name: 'X', manifest_path: manifestPath },
    imports,
    import_profile: 'private',
  };
}

async function strictChild(env: NodeJS.ProcessEnv = {}) {
  const child = startFixture('test-child', [], env, { strict: true });
  await child.handshake();
  return child;
}

describe('strict child (the real child contract)', () => {
  it('refuses worker requests without a session or without a manifest', async () => {
    const child = await strictChild();
    expect((await child.call(stream('rows', { count: 1 }))).response).toMatchObject({
      status: 'error',
      code: 'lean_rs.worker.session_missing',
    });
    expect((await child.call(open(null))).response.status).toBe('host_session_opened');
    expect((await child.call(stream('rows', { count: 1 }))).response).toMatchObject({
      status: 'error',
      code: 'lean_rs.worker.checked_binding',
    });
  });

  it('serves declared exports for their binding only', async () => {
    const child = await strictChild();
    expect((await child.call(open(manifest()))).response.status).toBe('host_session_opened');
    expect((await child.call(stream('rows', { count: 2 }))).response.status).toBe('stream_complete');
    const echo: Request = { op: 'json_command', export: 'echo', request_json: '{"x":1}' };
    expect((await child.call(echo)).response.status).toBe('json_command');
    const undeclared: Request = { op: 'json_command', export: 'echo_raw', request_json: '{}' };
    expect((await child.call(undeclared)).response).toMatchObject({ code: 'lean_rs.worker.checked_binding' });
    const wrongBinding: Request = { op: 'capability_metadata', export: 'rows', request_json: '{}' };
    expect((await child.call(wrongBinding)).response).toMatchObject({
      code: 'lean_rs.worker.checked_binding',
    });
  });

  it('fails the open for a broken manifest or one built against another lean.h', async () => {
    const child = await strictChild({ LEAN_SYSROOT: STAND_IN_SYSROOT });
    const missing = (await child.call(open('/nonexistent/X.lean-rs-capability.json'))).response;
    expect(missing).toMatchObject({ status: 'error', code: 'lean_rs.loader.missing_manifest' });
    const schema = (await child.call(open(manifest({ schema_version: 1 })))).response;
    expect(schema).toMatchObject({ code: 'lean_rs.loader.unsupported_manifest_schema' });
    const foreign = (await child.call(open(manifest({ lean_header_sha256: 'f'.repeat(64) })))).response;
    expect(foreign).toMatchObject({ code: 'lean_rs.loader.unsupported_toolchain_fingerprint' });
  });

  it('keys sessions by the ordered import list', async () => {
    const child = await strictChild();
    const file = manifest();
    expect((await child.call(open(file, ['A', 'B']))).response.status).toBe('host_session_opened');
    expect((await child.call(open(file, ['A', 'B']))).response.status).toBe('host_session_reused');
    expect((await child.call(open(file, ['B', 'A']))).response.status).toBe('host_session_opened');
  });
});
