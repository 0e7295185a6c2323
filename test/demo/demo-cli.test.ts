/**
 * `lean-worker demo` end to end on a small generated project: the `--json` result's numbers agree
 * with each other and with the plan (every batch covered once, rows per stream summing to the
 * total, the three injected failures recovered), text output carries no ANSI codes when stdout is
 * not a TTY, and usage errors exit with 2.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MATHLIB_COMMANDS } from '../../demo/children/mathlib-metadata.js';
import { rowCounts } from '../../demo/children/mathlib-model.js';
import { demoCommand, plannedLine } from '../../demo/command.js';
import type { DemoResult } from '../../demo/result.js';
import { UsageCode } from '../../src/cli/flags.js';
import { LeanWorkerImportPlanner } from '../../src/planner/planner.js';
import { ROOT } from './mathlib-fixture.js';

function io(isTTY = false) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { isTTY, write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
    },
  };
}

const GENERATED = path.join(ROOT, 'fixtures/generated');
const SMALL = [
  '--modules',
  '60',
  '--workers',
  '2',
  '--time-scale',
  '0',
  '--timeout-ms',
  '150',
  '--generated-dir',
  GENERATED,
];

describe('lean-worker demo', () => {
  it('prints a JSON result whose numbers are consistent and cover every batch', async () => {
    const run = io();
    const status = await demoCommand([...SMALL, '--json'], run.io, {});
    expect(status, run.out.stdout.slice(0, 4_000)).toBe(0);
    const r = JSON.parse(run.out.stdout) as DemoResult;
    const batches = await new LeanWorkerImportPlanner({
      projectRoot: r.project.root,
      package: 'mathlib',
      libName: 'Mathlib',
      importsFrom: 'header',
    }).planLakeProject();
    const modules = batches.flatMap((b) => b.modules.map((m) => m.module));
    expect(r).toMatchObject({ ok: true, mode: 'fixture', workers: 2, failures: [] });
    expect(r.plan).toMatchObject({ batches: batches.length, batchesRun: batches.length, modules: 61 });
    expect(r.coverage).toEqual({ batches: batches.length, modules: modules.length });

    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(Object.values(r.rows.perStream))).toBe(r.rows.total);
    expect(sum(Object.values(r.rows.perCommand).map((c) => c.rows))).toBe(r.rows.total);
    const { index, extract, features, probe } = r.rows.perCommand as Record<
      string,
      { rows: number; streams: number }
    >;
    expect(index!.rows).toBe(extract!.rows + features!.rows + probe!.rows);
    for (const c of [index, extract, features, probe]) expect(c!.streams).toBe(batches.length);
    const model = rowCounts(modules);
    expect(r.rows.perStream).toEqual({
      declarations: 2 * model.declarations,
      features: 2 * model.features,
      probes: 2 * model.probes,
    });
    expect(r.rows.tentativeDiscarded).toBe(3);
    expect(r.rows.received).toBe(r.rows.total + r.rows.tentativeDiscarded);
    expect(r.snapshot.dataRowsDelivered).toBe(r.rows.received);
    expect(r.rowsPerSecond).toBe(Math.round(r.rows.total / (r.elapsedMs / 1000)));
    expect(r.streamRowsPerSecond).toBe(Math.round(r.rows.received / (r.snapshot.streamElapsedMs / 1000)));

    expect(r.streams).toEqual({ succeeded: 4 * batches.length, failed: 3 });
    expect(r.snapshot.streamSuccesses).toBe(r.streams.succeeded);
    expect(r.diagnostics.total).toBe(2 * r.streams.succeeded);
    expect(r.progressEvents).toBe(sum(batches.map((b) => 4 * Math.ceil(b.modules.length / 4))));

    expect(r.recoveries.map((x) => x.kind).sort()).toEqual(['cancellation', 'crash', 'timeout']);
    for (const x of r.recoveries) {
      expect(x.code).toBe(x.expectedCode);
      expect(x).toMatchObject({ leaseInvalidated: true, rowsBeforeFailure: 1 });
      expect(x.recoveredMs).toBeGreaterThanOrEqual(0);
    }
    expect(r.restarts).toEqual({ total: 3, timeout: 1, cancelled: 1, crash: 1, policy: 0 });
    expect(r.queueWaits.acquires).toBe(batches.length + 3);
    expect(r.readiness.metadataCommands?.sort()).toEqual([...MATHLIB_COMMANDS].sort());
    expect(r.readiness.doctorDiagnostics).toEqual({ pass: 2, warning: 1, error: 0 });
    expect(r.memory.perSlotPeakPrivateKib).toHaveLength(2);
    expect(r.memory.parentRssKib).toBeGreaterThan(0);
    if (process.platform === 'linux') {
      expect(r.memory.source).toBe('proc');
      expect(r.memory.childrenPrivateSumKib).toBeGreaterThan(0);
      for (const kib of r.memory.perSlotPeakPrivateKib) expect(kib).toBeGreaterThan(0);
    }
  });

  it('prints labelled recoveries and the summary without ANSI codes when stdout is not a TTY', async () => {
    const run = io(false);
    expect(await demoCommand([...SMALL, '--max-batches', '3'], run.io, {})).toBe(0);
    const text = run.out.stdout;
    expect(text).not.toContain('\x1b[');
    for (const label of [
      'cancellation: ',
      'timeout: ',
      'crash: ',
      'recovered from the crash',
      'readiness: ',
    ]) {
      expect(text).toContain(label);
    }
    for (const section of ['Rows per stream', 'Admission and restarts', 'Peak memory', 'Pool snapshot']) {
      expect(text).toContain(section);
    }
    expect(text).toMatch(/\nok: [\d,]+ rows from 3 batches/);
    expect(text).toMatch(/\nplanned 3 batches covering \d+ modules; /);
  });

  it('announces the plan with grouped numbers', () => {
    expect(plannedLine({ batches: 51, modules: 1_001 })).toMatch(
      /^planned 51 batches covering 1,001 modules; /,
    );
    expect(plannedLine({ batches: 1, modules: 1 })).toMatch(/^planned 1 batch covering 1 module; /);
  });

  it('rejects bad usage with exit status 2 and prints help with 0', async () => {
    for (const [args, code] of [
      [['--workers', '0'], UsageCode.BAD_VALUE],
      [['--time-scale', 'fast'], UsageCode.BAD_VALUE],
      [['--imports-from', 'nowhere'], UsageCode.BAD_VALUE],
      [['--project', '/tmp'], UsageCode.CONFLICTING_FLAGS],
      [['--export', 'bogus=x'], UsageCode.BAD_VALUE],
      [['--nope'], UsageCode.UNKNOWN_FLAG],
    ] as const) {
      const run = io();
      expect(await demoCommand([...args], run.io, {})).toBe(2);
      expect(run.out.stderr).toContain(`lean-worker demo: ${code}: `);
    }
    const help = io();
    expect(await demoCommand(['--help'], help.io, {})).toBe(0);
    expect(help.out.stdout).toContain('--child PATH');
  });
});
