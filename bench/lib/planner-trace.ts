/**
 * A request trace from the demo project's planner: a generated Mathlib-shaped project is planned
 * with per-module header imports, and a check queue re-checks modules drawn Zipf(s) over the
 * module list (seeded); each request is keyed by its module's batch (one session per import set).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateMathlibShaped } from '../../demo/lake/generate-mathlib-shaped.js';
import { LeanWorkerImportPlanner } from '../../src/planner/planner.js';
import { zipfTrace } from './traces.js';

/** `requests` batch indices; `batches` is how many the plan has. */
export async function plannerTrace(modules: number, requests: number, s: number, seed: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-imports-'));
  try {
    await generateMathlibShaped({ dir, modules });
    const planner = new LeanWorkerImportPlanner({
      projectRoot: dir,
      package: 'mathlib',
      libName: 'Mathlib',
      importsFrom: 'header',
    });
    const plan = await planner.planLakeProject();
    const batchOf: number[] = [];
    plan.forEach((batch, b) => {
      for (let i = 0; i < batch.modules.length; i++) batchOf.push(b);
    });
    const trace = zipfTrace(requests, batchOf.length, s, seed).map((m) => batchOf[m] as number);
    return { trace, batches: plan.length, modules: batchOf.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
