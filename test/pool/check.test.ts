import { describe, expect, it } from 'vitest';
import { BootstrapCode } from '../../src/capability/bootstrap.js';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { fixturePath } from '../../src/index.js';
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
});
