import { describe, expect, it } from 'vitest';
import { BootstrapCode } from '../../src/capability/bootstrap.js';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { ErrorCode } from '../../src/index.js';
import { fixturePath } from '../../src/worker/paths.js';
import { makePool, ROOT, source } from './helpers.js';

const expected = {
  commands: [{ name: 'rows', version: 'fixture-1' }],
  capabilities: [{ name: 'rows.json.raw', version: 'fixture-1' }],
  lean_version: 'fixture-lean-4',
  extra: { schema: 'generic', fixture: 'test-child' },
};

describe('pool.check(builder)', () => {
  it('trial-opens through the pool: a good builder passes and its worker stays warm', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const builder = source(['Check']).expectMetadata('metadata', {}, expected);
    const report = await pool.check(builder);
    expect(report).toMatchObject({ ok: true, probed: true, errors: [] });
    expect(pool.snapshot()).toMatchObject({ workers: 1, coldOpenAdmitted: 1 });
    (await pool.acquireLease(builder)).release();
    expect(pool.snapshot()).toMatchObject({ workers: 1, coldOpenAdmitted: 1 });
  });

  it('reports a metadata mismatch, a child that never handshakes and a missing child as findings', async () => {
    const pool = makePool({ maxWorkers: 2 });
    const mismatch = await pool.check(
      source(['Check']).expectMetadata('metadata', {}, { ...expected, lean_version: 'other' }),
    );
    expect(mismatch.ok).toBe(false);
    expect(mismatch.firstError?.code).toBe(BootstrapCode.METADATA_MISMATCH);

    const silent = new LeanWorkerCapabilityBuilder({
      projectRoot: ROOT,
      package: 'Fixture',
      libName: 'Fixture',
      imports: ['Silent'],
      skipBuild: true,
      startupTimeoutMs: 300,
      worker: { command: process.execPath, args: [fixturePath('children/misbehaving'), 'never-handshake'] },
    });
    const handshake = await pool.check(silent);
    expect(handshake.ok).toBe(false);
    expect(handshake.firstError?.code).toBe(BootstrapCode.HANDSHAKE_FAILED);

    const missing = await pool.check(
      new LeanWorkerCapabilityBuilder({
        projectRoot: ROOT,
        package: 'Fixture',
        libName: 'Fixture',
        imports: ['Missing'],
        skipBuild: true,
        worker: { command: '/nonexistent/lean-rs-worker-child' },
      }),
    );
    expect(missing).toMatchObject({ ok: false, probed: false });
    expect(pool.snapshot().workers).toBeLessThanOrEqual(1);
  });

  it('holds a child to the worker version its builder pins, at every handshake', async () => {
    const pool = makePool({ maxWorkers: 2 });
    const pinned = (version: string) =>
      new LeanWorkerCapabilityBuilder({
        projectRoot: ROOT,
        package: 'Fixture',
        libName: 'Fixture',
        imports: ['Pinned'],
        skipBuild: true,
        worker: { command: process.execPath, args: [fixturePath('children/test-child')], version },
      });
    const right = pinned('0.1.0-fixture');
    const wrong = pinned('9.9.9');
    expect(right.sessionKey()).not.toBe(wrong.sessionKey());
    const lease = await pool.acquireLease(right);
    expect(lease.snapshot()).toMatchObject({ workerVersion: '0.1.0-fixture' });
    lease.release();
    const error = await pool.acquireLease(wrong).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: ErrorCode.HANDSHAKE,
      facts: { reason: 'worker_version_mismatch', expected: '9.9.9', actual: '0.1.0-fixture' },
    });
    const report = await pool.check(wrong);
    expect(report.ok).toBe(false);
    expect(report.firstError?.code).toBe(BootstrapCode.HANDSHAKE_FAILED);
  });
});
