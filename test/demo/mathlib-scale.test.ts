/**
 * The Mathlib-scale path: planner -> pool -> lease -> typed streaming commands on the generated
 * project, with exact row counts per stream, the chunk progress sequence and terminal metadata,
 * and timeout, cancellation and fatal exit as three distinct outcomes that each invalidate their
 * lease while a fresh lease keeps working.
 */
import { describe, expect, it } from 'vitest';
import { rowCounts } from '../../demo/children/mathlib-model.js';
import { mathlibCommands } from '../../demo/commands.js';
import { mathlibShapedModules } from '../../demo/lake/generate-mathlib-shaped.js';
import { ErrorCode } from '../../src/errors.js';
import type { DiagnosticItem, ProgressItem } from '../../src/protocol/port-messages.js';
import { builder, drain, mainBatch, makePool, modulesOf, planProject } from './mathlib-fixture.js';

const commands = mathlibCommands();

// Declarations, features and probes of the 14 modules that import Mathlib.Logic.Equiv.Defs.
const DECLARATIONS = 404;
const PROBES = 205;

describe('Mathlib-scale fixture through the pool', () => {
  it('plans the generated project into its header batches', async () => {
    const batches = await planProject();
    expect(batches.map((b) => [b.imports.length, b.modules.length])).toEqual([
      [0, 1], // Mathlib.Init
      [1, 1], // Mathlib.Logic.Equiv.Defs imports Mathlib.Init
      [16, 1], // the root Mathlib imports everything
      [1, 14], // the rest of the topic imports Mathlib.Logic.Equiv.Defs
    ]);
    expect(modulesOf(mainBatch(batches))).toHaveLength(14);
    expect(mathlibShapedModules(1000)).toHaveLength(1000);
  });

  it('streams exact rows per stream with chunk progress, diagnostics and metadata, importing once', async () => {
    const batch = mainBatch(await planProject());
    const modules = modulesOf(batch);
    expect(rowCounts(modules)).toEqual({
      declarations: DECLARATIONS,
      features: DECLARATIONS,
      probes: PROBES,
    });
    const pool = makePool({ maxWorkers: 1 });
    await pool.withLease(builder(batch), async (lease) => {
      const progress: ProgressItem[] = [];
      const diagnostics: DiagnosticItem[] = [];
      const stream = lease.runStreamingCommand(
        commands.index,
        { modules, chunkSize: 4 },
        { onProgress: (p) => progress.push(p), onDiagnostic: (d) => diagnostics.push(d) },
      );
      const sequences: Record<string, number[]> = {};
      for await (const row of stream) {
        sequences[row.stream] = [...(sequences[row.stream] ?? []), row.sequence];
        expect(modules).toContain(row.payload.module);
      }
      const summary = await stream.summary;
      expect(summary.perStreamCounts).toEqual({
        declarations: DECLARATIONS,
        features: DECLARATIONS,
        probes: PROBES,
      });
      expect(summary.totalRows).toBe(2 * DECLARATIONS + PROBES);
      for (const [name, seen] of Object.entries(sequences)) {
        expect(seen).toEqual(Array.from({ length: summary.perStreamCounts[name]! }, (_, i) => i));
      }
      expect(progress.filter((p) => p.phase === 'mathlib.index').map((p) => [p.current, p.total])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
      ]);
      expect(diagnostics.map((d) => d.code)).toEqual(['mathlib.index.started', 'mathlib.index.finished']);
      expect(summary.metadata).toEqual({
        fixture: 'mathlib-shaped',
        command: 'index',
        ok: true,
        rows: 2 * DECLARATIONS + PROBES,
        modules: 14,
        chunks: 4,
        perStream: { declarations: DECLARATIONS, features: DECLARATIONS, probes: PROBES },
      });

      const single = { extract: 'declarations', features: 'features', probe: 'probes' } as const;
      for (const [name, streamName] of Object.entries(single) as [keyof typeof single, string][]) {
        const { rows, summary: s } = await lease.runStreamingCommand(commands[name], { modules }).collect();
        expect(new Set(rows.map((r) => r.stream))).toEqual(new Set([streamName]));
        expect(s.perStreamCounts).toEqual({ [streamName]: summary.perStreamCounts[streamName] });
        expect(s.metadata).toMatchObject({ command: name, rows: rows.length, modules: 14, chunks: 4 });
      }
    });
    expect(pool.snapshot()).toMatchObject({
      imports: 1,
      streamSuccesses: 4,
      dataRowsDelivered: 2 * (2 * DECLARATIONS + PROBES),
      workerRestarts: 0,
      queueDepth: 0,
    });
  });

  it('gives timeout, cancellation and fatal exit distinct outcomes that each invalidate their lease', async () => {
    const batch = mainBatch(await planProject());
    const modules = modulesOf(batch);
    const pool = makePool({ maxWorkers: 1 });
    const source = builder(batch);
    const codes: string[] = [];

    const timedOut = await pool.acquireLease(source);
    const timeout = await drain(
      timedOut.runStreamingCommand(commands.timeoutAfterRow, { modules }, { timeoutMs: 150 }),
    );
    expect(timeout).toMatchObject({ rows: 1, error: { code: ErrorCode.TIMEOUT } });
    expect(timedOut.isValid).toBe(false);
    timedOut.release();

    const cancelled = await pool.acquireLease(source);
    const controller = new AbortController();
    const cancel = await drain(
      cancelled.runStreamingCommand(commands.timeoutAfterRow, { modules }, { signal: controller.signal }),
      () => controller.abort(),
    );
    expect(cancel).toMatchObject({ rows: 1, error: { code: ErrorCode.ABORTED } });
    expect(cancelled.isValid).toBe(false);
    cancelled.release();

    const crashed = await pool.acquireLease(source);
    const crash = await drain(crashed.runStreamingCommand(commands.panicAfterRow, { modules }));
    expect(crash).toMatchObject({ rows: 1, error: { code: ErrorCode.CHILD_CRASH } });
    expect(crash.error?.facts).toMatchObject({ exitCode: 134 });
    expect(crashed.isValid).toBe(false);
    crashed.release();

    codes.push(timeout.error!.code, cancel.error!.code, crash.error!.code);
    expect(new Set(codes).size).toBe(3);

    await pool.withLease(source, async (fresh) => {
      const { summary } = await fresh.runStreamingCommand(commands.probe, { modules }).collect();
      expect(summary.perStreamCounts).toEqual({ probes: PROBES });
    });
    expect(pool.snapshot()).toMatchObject({
      timeoutRestarts: 1,
      cancelledRestarts: 1,
      crashRestarts: 1,
      workerRestarts: 3,
      policyRestarts: 0,
      keyHits: 3,
      streamFailures: 3,
    });
  });
});
