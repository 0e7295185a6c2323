/**
 * The demo run: generate (or reuse) the Mathlib-shaped project, plan it, then drain every batch
 * through a pool on several lease slots at once, each batch running the four streaming commands,
 * with one cancellation, one timeout and one crash injected and recovered from. Returns a result
 * in which every reported number has a name.
 */
import path from 'node:path';
import { LeanWorkerError } from '../src/errors.js';
import type { LeanWorkerSessionLease } from '../src/lease.js';
import type { LeanWorkerPlannedBatch } from '../src/planner/batch.js';
import { LeanWorkerImportPlanner } from '../src/planner/planner.js';
import { nodeWorker } from '../src/platform/node-runtime.js';
import { LeanWorkerPool } from '../src/pool/pool.js';
import type { LeanWorkerPoolSnapshot } from '../src/pool/snapshot.js';
import { type FailureKind, failurePlan, runBatch } from './batch.js';
import { MATHLIB_CAPABILITY_METADATA } from './children/mathlib-metadata.js';
import { BATCH_COMMANDS, demoExportKinds, looseCommands, mathlibCommands } from './commands.js';
import { ensureMathlibShaped, standInSysroot } from './lake/generate-mathlib-shaped.js';
import { writeStandInLibrary, writeStandInToolchain } from './lake/stand-in-capability.js';
import { MemoryTracker } from './memory.js';
import type { DemoOptions } from './options.js';
import { demoPath } from './paths.js';
import { type ReadinessResult, readinessCheck } from './readiness.js';
import { buildResult, type DemoResult } from './result.js';
import { DemoState } from './state.js';

/** Hooks for live output. */
export interface DemoHooks {
  /** Called once the state exists (the progress renderer attaches here). */
  onStart?(state: DemoState, facts: { modules: number; batches: number; mode: string }): void;
}

function label(modules: readonly string[]): string {
  const parts = modules.map((m) => m.split('.'));
  const first = parts[0] ?? [];
  let n = 0;
  while (n < first.length - 1 && parts.every((p) => p.length > n + 1 && p[n] === first[n])) n += 1;
  const prefix = first.slice(0, n).join('.');
  return modules.length === 1 || n < 2 ? (modules[0] ?? '') : prefix;
}

async function prepare(options: DemoOptions): Promise<DemoResult['project']> {
  const began = performance.now();
  if (options.project !== undefined) {
    const root = path.resolve(options.project);
    if (options.child === undefined) {
      // The bundled child simulates Lean: give the project what a Lake build and a toolchain
      // would leave (under its `.lake/`), so the builder can write the capability manifest.
      writeStandInLibrary(root, options.package, options.lib);
      writeStandInToolchain(standInSysroot(root));
    }
    return { root, generated: false, prepareMs: 0, modules: 0 };
  }
  const root = path.join(options.generatedDir, `mathlib-shaped-${options.modules}`);
  const { generated } = await ensureMathlibShaped({ dir: root, modules: options.modules });
  return { root, generated, prepareMs: Math.round(performance.now() - began), modules: options.modules };
}

function builderFor(options: DemoOptions, batch: LeanWorkerPlannedBatch) {
  const exports = demoExportKinds(options.exports);
  if (options.child === undefined) {
    return batch.capabilityBuilder({
      skipBuild: true,
      // The generated project holds a stand-in library and toolchain, so a manifest is written.
      leanSysroot: standInSysroot(batch.projectRoot),
      exports,
      requestTimeoutMs: options.requestTimeoutMs,
      // The stand-in child is JavaScript: run by this process's Node runtime (Electron's as Node too).
      worker: nodeWorker(demoPath('children/mathlib-child'), [
        `--time-scale=${options.timeScale}`,
        ...options.childArgs,
      ]),
    });
  }
  return batch.capabilityBuilder({
    skipBuild: options.skipBuild,
    exports,
    requestTimeoutMs: options.requestTimeoutMs,
    worker: { command: options.child, args: [...options.childArgs] },
  });
}

/** Run the demo to its end; failures inside batches are recorded in the result. */
export async function runDemo(options: DemoOptions, hooks: DemoHooks = {}): Promise<DemoResult> {
  const fixture = options.child === undefined;
  const commands = fixture ? mathlibCommands(options.exports) : looseCommands(options.exports);
  const project = await prepare(options);
  const planBegan = performance.now();
  const metadata = fixture
    ? { export: options.exports.metadata, request: {}, expected: MATHLIB_CAPABILITY_METADATA }
    : options.checkMetadata
      ? { export: options.exports.metadata, request: {} }
      : undefined;
  const planned = await new LeanWorkerImportPlanner({
    projectRoot: project.root,
    package: options.package,
    libName: options.lib,
    baseImports: [...options.imports],
    importsFrom: options.importsFrom,
    ...(metadata ? { metadata } : {}),
  }).planLakeProject();
  const planMs = Math.round(performance.now() - planBegan);
  const batches = planned.slice(0, options.maxBatches ?? planned.length);
  const moduleCount = batches.reduce((n, b) => n + b.modules.length, 0);
  const state = new DemoState(options.workers, batches.length, moduleCount * BATCH_COMMANDS.length);
  hooks.onStart?.(state, {
    modules: moduleCount,
    batches: batches.length,
    mode: fixture ? 'fixture' : 'real',
  });

  const pool = new LeanWorkerPool({
    maxWorkers: options.workers,
    queueWaitTimeoutMs: 600_000,
    memorySampleIntervalMs: 250,
  });
  const leases: (LeanWorkerSessionLease | null)[] = state.lanes.map(() => null);
  const memory = new MemoryTracker(pool, leases, state.lanes);
  const readiness: ReadinessResult = {
    version: null,
    doctorDiagnostics: null,
    metadataCommands: null,
    errors: {},
  };
  const failures = options.failures ? failurePlan(batches.length) : new Map<number, FailureKind[]>();
  let next = 0;
  let readinessPending = true;
  memory.start(200);
  let snapshot: LeanWorkerPoolSnapshot;
  let close: DemoResult['close'];
  try {
    await Promise.all(
      state.lanes.map(async (lane) => {
        for (let b = next++; b < batches.length; b = next++) {
          const batch = batches[b]!;
          const modules = batch.modules.map((m) => m.module);
          Object.assign(lane, {
            batch: b,
            label: label(modules),
            batchModules: modules.length,
            batchImports: batch.imports.length,
          });
          const ask = readinessPending;
          readinessPending = false;
          await runBatch({
            pool,
            commands,
            state,
            lane,
            builder: builderFor(options, batch),
            batch: b,
            modules,
            failures: failures.get(b) ?? [],
            timeoutMs: options.timeoutMs,
            readiness: ask ? readinessCheck(commands, state, readiness) : null,
            leases,
            sampleMemory: () => memory.sample(),
          }).catch((error: unknown) => {
            const code = error instanceof LeanWorkerError ? error.code : 'UNKNOWN';
            const message = error instanceof Error ? error.message : String(error);
            state.failures.push({ batch: b, command: 'acquire', code, message });
            state.event(`failure: batch ${b + 1} could not get a lease: ${code}: ${message}`);
          });
          if (!state.failures.some((f) => f.batch === b)) {
            state.coveredBatches.add(b);
            state.modulesCovered += modules.length;
          }
          state.batchesDone += 1;
          lane.batches += 1;
        }
        lane.phase = 'done';
        lane.command = '';
      }),
    );
  } finally {
    memory.stop();
    snapshot = pool.snapshot();
    const report = await pool.close();
    close = {
      workers: report.workers,
      leasesOutstanding: report.leasesOutstanding,
      elapsedMs: Math.round(report.elapsedMs),
    };
  }
  return buildResult({
    options,
    fixture,
    project,
    planned: planned.length,
    batches,
    planMs,
    state,
    readiness,
    injected: [...failures.values()].reduce((n, kinds) => n + kinds.length, 0),
    snapshot,
    memory: memory.peaks,
    close,
  });
}
