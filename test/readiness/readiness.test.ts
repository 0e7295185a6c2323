/**
 * The readiness proof: the six commands (`version`, `doctor` as typed JSON commands; `extract`,
 * `features`, `index`, `probe` as typed streaming commands) through planner -> pool -> lease,
 * then timeout, cancellation, fatal exit, explicit cycle and a slow consumer, each with its own
 * outcome, and the next lease working after each.
 */
import { describe, expect, it } from 'vitest';
import {
  MATHLIB_CAPABILITY_METADATA,
  MATHLIB_COMMANDS,
  MATHLIB_DOCTOR_REPORT,
  MATHLIB_VERSION,
} from '../../demo/children/mathlib-metadata.js';
import { mathlibCommands } from '../../demo/commands.js';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerSessionLease } from '../../src/lease.js';
import type { LeanWorkerPool } from '../../src/pool/pool.js';
import {
  builder,
  drain,
  failure,
  mainBatch,
  makePool,
  modulesOf,
  planProject,
} from '../demo/mathlib-fixture.js';

const commands = mathlibCommands();

/** A fresh lease answers `version`: the proof that the pool recovered. */
async function nextLeaseWorks(pool: LeanWorkerPool, source: ReturnType<typeof builder>): Promise<void> {
  await pool.withLease(source, async (lease) => {
    expect(await lease.runJsonCommand(commands.version, {})).toEqual(MATHLIB_VERSION);
  });
}

describe('readiness proof', () => {
  it('answers the six commands through planner, pool and lease', async () => {
    const batches = await planProject();
    const pool = makePool({ maxWorkers: 2 });
    const streamed: Record<string, number> = {};
    await Promise.all(
      batches
        .filter((b) => b.imports.length === 1)
        .map((batch) =>
          pool.withLease(builder(batch), async (lease: LeanWorkerSessionLease) => {
            expect(await lease.runJsonCommand(commands.version, {})).toEqual(MATHLIB_VERSION);
            const doctor = await lease.runJsonCommand(commands.doctor, {});
            expect(doctor).toEqual(MATHLIB_DOCTOR_REPORT);
            expect(doctor.diagnostics.map((d) => d.severity)).toEqual(['pass', 'warning', 'pass']);
            const metadata = await lease.capabilityMetadata('metadata');
            expect(metadata.commands.map((c) => c.name).sort()).toEqual([...MATHLIB_COMMANDS].sort());
            expect(metadata).toMatchObject({
              lean_version: MATHLIB_CAPABILITY_METADATA.lean_version,
              extra: MATHLIB_CAPABILITY_METADATA.extra,
            });
            const report = await lease.capabilityDoctor('doctor');
            expect(report.diagnostics).toHaveLength(3);
            for (const name of ['extract', 'features', 'index', 'probe'] as const) {
              const { rows, summary } = await lease
                .runStreamingCommand(commands[name], { modules: modulesOf(batch) })
                .collect();
              expect(summary.metadata).toMatchObject({ command: name, ok: true, rows: rows.length });
              expect(summary.totalRows).toBe(rows.length);
              streamed[name] = (streamed[name] ?? 0) + rows.length;
            }
          }),
        ),
    );
    expect(streamed.index).toBe(streamed.extract! + streamed.features! + streamed.probe!);
    expect(streamed.extract).toBe(streamed.features);
    const snapshot = pool.snapshot();
    expect(snapshot).toMatchObject({
      streamSuccesses: 8,
      streamFailures: 0,
      queueDepth: 0,
      workerRestarts: 0,
      leasesGranted: 2,
      leasesReleased: 2,
    });
    expect(snapshot.dataRowsDelivered).toBe(2 * streamed.index!);
  });

  it('gives timeout, cancellation, fatal exit and explicit cycle distinct outcomes, each followed by a working lease', async () => {
    const batch = mainBatch(await planProject());
    const modules = modulesOf(batch);
    const pool = makePool({ maxWorkers: 1 });
    const source = builder(batch);
    const seen: string[] = [];

    const a = await pool.acquireLease(source);
    const timeout = await drain(
      a.runStreamingCommand(commands.timeoutAfterRow, { modules }, { timeoutMs: 100 }),
    );
    expect(timeout.error?.code).toBe(ErrorCode.TIMEOUT);
    await failure(a.runJsonCommand(commands.version, {}), ErrorCode.LEASE_INVALIDATED);
    a.release();
    seen.push(timeout.error!.code);
    await nextLeaseWorks(pool, source);

    const b = await pool.acquireLease(source);
    const controller = new AbortController();
    const cancel = await drain(
      b.runStreamingCommand(commands.timeoutAfterRow, { modules }, { signal: controller.signal }),
      () => controller.abort(),
    );
    expect(cancel.error?.code).toBe(ErrorCode.ABORTED);
    await failure(b.runJsonCommand(commands.version, {}), ErrorCode.LEASE_INVALIDATED);
    b.release();
    seen.push(cancel.error!.code);
    await nextLeaseWorks(pool, source);

    const c = await pool.acquireLease(source);
    const fatal = await drain(c.runStreamingCommand(commands.panicAfterRow, { modules }));
    expect(fatal.error?.code).toBe(ErrorCode.CHILD_CRASH);
    await failure(c.runJsonCommand(commands.version, {}), ErrorCode.LEASE_INVALIDATED);
    c.release();
    seen.push(fatal.error!.code);
    await nextLeaseWorks(pool, source);

    const d = await pool.acquireLease(source);
    await d.cycle();
    const cycled = await failure(d.runJsonCommand(commands.version, {}), ErrorCode.LEASE_INVALIDATED);
    d.release();
    seen.push(cycled.code);
    await nextLeaseWorks(pool, source);

    expect(new Set(seen).size).toBe(4);
    expect(pool.snapshot()).toMatchObject({
      timeoutRestarts: 1,
      cancelledRestarts: 1,
      crashRestarts: 1,
      explicitCycles: 1,
      policyRestarts: 0,
    });
  });

  it('paces a fast stream to a slow consumer without losing rows, and the next lease works', async () => {
    const batch = mainBatch(await planProject());
    const modules = modulesOf(batch);
    const pool = makePool({ maxWorkers: 1, rowBatchCredit: 1 });
    const source = builder(batch);
    await pool.withLease(source, async (lease) => {
      const stream = lease.runStreamingCommand(commands.index, { modules, chunkSize: 1 });
      let rows = 0;
      for await (const _row of stream) {
        rows += 1;
        if (rows % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      const summary = await stream.summary;
      expect(rows).toBe(summary.totalRows);
      expect(summary.metadata).toMatchObject({ rows, modules: 14 });
    });
    const snapshot = pool.snapshot();
    expect(snapshot.backpressureWaits).toBeGreaterThan(0);
    expect(snapshot).toMatchObject({ backpressureFailures: 0, streamFailures: 0, workerRestarts: 0 });
    await nextLeaseWorks(pool, source);
  });
});
