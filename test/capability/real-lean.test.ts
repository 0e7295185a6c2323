/**
 * The example capability (`examples/lean-capability`) built with the real toolchain and run
 * through the pool by the real `lean-rs-worker-child`: `lake build LwpExample:shared`, the
 * manifest the builder writes, a streaming and a JSON command and the metadata export. Runs when
 * `lake` is on PATH and the child is found (`LEAN_RS_WORKER_CHILD` or `lean-rs-worker-child` on
 * PATH); the Lake build fetches `lean_rs_interop_shims` from its repository, so it needs network
 * access the first time.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { findOnPath } from '../../src/capability/child-locator.js';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ROOT } from '../helpers/capability.js';
import { makePool } from '../pool/helpers.js';

const child = process.env.LEAN_RS_WORKER_CHILD || findOnPath('lean-rs-worker-child', process.env.PATH);
const lake = findOnPath('lake', process.env.PATH);
const missing = [lake ? null : '`lake` on PATH', child ? null : 'lean-rs-worker-child'].filter(Boolean);
const reason =
  missing.length > 0 ? ` (skipped: no ${missing.join(' and no ')}; no Lean toolchain assumed)` : '';
const timeout = 30 * 60_000;

const squares = defineStreamingCommand({
  export: 'lwp_example_squares',
  request: z.object({ n: z.number().int().nonnegative() }),
  row: z.object({ i: z.number(), square: z.number() }),
  summary: z.object({ rows: z.number() }),
});
const version = defineJsonCommand({
  export: 'lwp_example_version',
  request: z.object({}),
  response: z.object({ capability: z.literal('lwp_example'), version: z.string() }),
});

describe.skipIf(missing.length > 0)(`the example capability on real Lean${reason}`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-real-lean-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds, writes the manifest, and streams rows through lean-rs-worker-child', { timeout }, async () => {
    cpSync(path.join(ROOT, 'examples/lean-capability'), dir, { recursive: true });
    const builder = new LeanWorkerCapabilityBuilder({
      projectRoot: dir,
      package: 'lwp_example',
      libName: 'LwpExample',
      imports: ['LwpExample'],
      commands: [squares, version],
      metadata: { export: 'lwp_example_metadata', request: {} },
      worker: { command: child as string },
      buildTimeoutMs: timeout,
      requestTimeoutMs: timeout,
      importTimeoutMs: timeout,
    });
    const resolved = await builder.resolve();
    expect(resolved.manifestPath).toMatch(/LwpExample-[0-9a-f]{16}\.lean-rs-capability\.json$/);
    const pool = makePool({ maxWorkers: 1 });
    await pool.withLease(builder, async (lease) => {
      const stream = lease.runStreamingCommand(squares, { n: 4 });
      const { rows } = await stream.collect();
      expect(rows.map((r) => r.payload.square)).toEqual([0, 1, 4, 9]);
      expect((await stream.summary).metadata).toEqual({ rows: 4 });
      expect(await lease.runJsonCommand(version, {})).toMatchObject({ capability: 'lwp_example' });
      const metadata = await lease.capabilityMetadata('lwp_example_metadata');
      expect(metadata.commands).toEqual([{ name: 'squares', version: '1' }]);
    });
  });
});
