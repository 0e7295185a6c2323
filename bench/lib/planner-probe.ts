/**
 * One planner or `pool.check` workload in a fresh process, for the planner benchmark's memory
 * figures: `node dist/bench/lib/planner-probe.js <workload> <project> [maxProjectFileBytes]`.
 * Prints one JSON line: the workload's outcome (the error or finding code, or `ok`), its wall
 * time, and this process's peak RSS (`resourceUsage().maxRSS`, KiB).
 *
 * Workloads: `baseline` (imports only), `plan` (discover and plan the project), `parse` (read
 * and parse the lakefile alone, as both the planner and `pool.check` do), `check`
 * (`pool.check(builder)` against the project, static checks only when they fail).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { parseLakefileLean } from '../../src/lake/lakefile-lean.js';
import { LeanWorkerImportPlanner } from '../../src/planner/planner.js';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { fixturePath } from '../../src/worker/paths.js';

async function run(workload: string, root: string, maxBytes: number | undefined): Promise<string> {
  switch (workload) {
    case 'baseline':
      return 'ok';
    case 'parse': {
      const config = parseLakefileLean(
        readFileSync(path.join(root, 'lakefile.lean'), 'utf8'),
        'lakefile.lean',
      );
      return `ok (${config.leanLibs.length} libraries, ${config.diagnostics.length} findings)`;
    }
    case 'plan': {
      const planner = new LeanWorkerImportPlanner({
        projectRoot: root,
        package: 'big',
        libName: 'Big',
        ...(maxBytes === undefined ? {} : { maxProjectFileBytes: maxBytes }),
      });
      try {
        const batches = await planner.planLakeProject();
        return `ok (${batches.length} batches)`;
      } catch (error) {
        const e = error as { code?: string; facts?: { diagnostic?: { code?: string } } };
        return `${e.code} (${e.facts?.diagnostic?.code ?? '-'})`;
      }
    }
    case 'check': {
      const pool = new LeanWorkerPool({});
      try {
        const report = await pool.check(
          new LeanWorkerCapabilityBuilder({
            projectRoot: root,
            package: 'big',
            libName: 'Big',
            imports: ['Big'],
            worker: { command: process.execPath, args: [fixturePath('children/test-child')] },
          }),
        );
        const first = report.firstError;
        return first === null ? 'ok' : `finding ${first.code} (${path.basename(first.subject)})`;
      } finally {
        await pool.close();
      }
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

const [workload = 'baseline', root = '.', max] = process.argv.slice(2);
const began = performance.now();
const outcome = await run(workload, root, max === undefined ? undefined : Number(max));
const elapsedMs = performance.now() - began;
process.stdout.write(
  `${JSON.stringify({
    workload,
    outcome,
    elapsedMs,
    maxRssKib: process.resourceUsage().maxRSS,
  })}\n`,
);
