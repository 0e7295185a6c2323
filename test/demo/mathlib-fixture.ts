/**
 * The Mathlib-scale fixture in tests: a generated 16-module Mathlib-shaped project (created on
 * demand under the gitignored `fixtures/generated/`), its plan, and capability builders that run
 * the bundled Mathlib-scale child with no simulated time. Every pool made here is destroyed when
 * the current test finishes, passed or failed.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, onTestFinished } from 'vitest';
import { MATHLIB_CAPABILITY_METADATA } from '../../demo/children/mathlib-metadata.js';
import { demoExportKinds, FIXTURE_EXPORTS } from '../../demo/commands.js';
import { ensureMathlibShaped, standInSysroot } from '../../demo/lake/generate-mathlib-shaped.js';
import { demoPath } from '../../demo/paths.js';
import { type ErrorCode, LeanWorkerError } from '../../src/errors.js';
import type { LeanWorkerPlannedBatch } from '../../src/planner/batch.js';
import { LeanWorkerImportPlanner } from '../../src/planner/planner.js';
import type { LeanWorkerPoolOptions } from '../../src/pool/options.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PROJECT = path.join(ROOT, 'fixtures/generated/test-mathlib-shaped-16');

/** Generate (once) and plan the 16-module project, checking capability metadata on every open. */
export async function planProject(): Promise<LeanWorkerPlannedBatch[]> {
  await ensureMathlibShaped({ dir: PROJECT, modules: 16 });
  return new LeanWorkerImportPlanner({
    projectRoot: PROJECT,
    package: 'mathlib',
    libName: 'Mathlib',
    importsFrom: 'header',
    metadata: { export: 'metadata', request: {}, expected: MATHLIB_CAPABILITY_METADATA },
  }).planLakeProject();
}

/** The batch whose modules all import `Mathlib.Logic.Equiv.Defs` (14 modules). */
export function mainBatch(batches: readonly LeanWorkerPlannedBatch[]): LeanWorkerPlannedBatch {
  const batch = batches.find((b) => b.imports.join() === 'Mathlib.Logic.Equiv.Defs');
  if (!batch) throw new Error('the generated plan has no Mathlib.Logic.Equiv.Defs batch');
  return batch;
}

/** A builder for `batch` on the Mathlib-scale child (no simulated time unless `args` say so). */
export function builder(batch: LeanWorkerPlannedBatch, args: readonly string[] = []) {
  return batch.capabilityBuilder({
    skipBuild: true,
    leanSysroot: standInSysroot(batch.projectRoot),
    exports: demoExportKinds(FIXTURE_EXPORTS),
    worker: {
      command: process.execPath,
      args: [demoPath('children/mathlib-child'), '--time-scale=0', ...args],
    },
  });
}

export function modulesOf(batch: LeanWorkerPlannedBatch): string[] {
  return batch.modules.map((m) => m.module);
}

/** A pool destroyed when the current test finishes. */
export function makePool(options: LeanWorkerPoolOptions = {}): LeanWorkerPool {
  const pool = new LeanWorkerPool(options);
  onTestFinished(async () => {
    await pool.destroy();
  });
  return pool;
}

/** The typed error `work` fails with, after checking its code. */
export async function failure(work: Promise<unknown>, code: ErrorCode): Promise<LeanWorkerError> {
  let caught: unknown = null;
  try {
    await work;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(LeanWorkerError);
  expect((caught as LeanWorkerError).code).toBe(code);
  return caught as LeanWorkerError;
}

/** Read a stream; returns the rows seen and its terminal error (null on success). */
export async function drain(
  stream: AsyncIterable<unknown> & { summary: Promise<unknown> },
  onRow: (index: number) => void = () => undefined,
): Promise<{ rows: number; error: LeanWorkerError | null }> {
  let rows = 0;
  try {
    for await (const _row of stream) onRow(rows++);
    await stream.summary;
    return { rows, error: null };
  } catch {
    const error = await stream.summary.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LeanWorkerError);
    return { rows, error: error as LeanWorkerError };
  }
}
