/**
 * `lean-worker plan <project> [--json] [--per-module-imports] [--package NAME] [--lib NAME]
 * [--import MODULE]... [--content-hash]`: print the planner's batches, deterministically.
 * Package defaults to the lakefile's package name, library to the first default-target library
 * (else the first declared one). Exit status: 0 planned, 1 planning failed, 2 usage error.
 */
import { parseArgs } from 'node:util';
import { LeanWorkerError } from '../errors.js';
import { discoverLakeProject, type LakeProject } from '../lake/discover.js';
import type { LeanWorkerPlannedBatch } from '../planner/batch.js';
import { unresolvedCapabilityTarget } from '../planner/errors.js';
import { LeanWorkerImportPlanner } from '../planner/planner.js';

/** Where a command writes. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const USAGE =
  'usage: lean-worker plan <project> [--json] [--per-module-imports] [--package NAME] [--lib NAME] [--import MODULE]... [--content-hash]\n';

/** Run `plan`; resolves to the exit status. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.stderr.write(USAGE);
    return 2;
  }
  try {
    const project = await discoverLakeProject({
      root: positionals[0]!,
      headers: values['per-module-imports'] ?? false,
    });
    const libName =
      values.lib ??
      project.libraries.find((l) => l.isDefaultTarget)?.name ??
      project.libraries[0]?.name ??
      '';
    const planner = new LeanWorkerImportPlanner({
      projectRoot: project.projectRoot,
      package: values.package ?? project.packageName ?? libName,
      libName: libName || 'unknown',
      baseImports: values.import ?? [],
      importsFrom: values['per-module-imports'] ? 'header' : 'base',
      contentHash: values['content-hash'] ?? false,
    });
    const batches = values['content-hash']
      ? await planner.planLakeProject()
      : await planLake(planner, project);
    if (values.json) {
      const out = {
        projectRoot: planner.config.projectRoot,
        package: planner.config.package,
        libName: planner.config.libName,
        fingerprint: batches[0]?.fingerprint.sourceSet ?? project.fingerprint,
        diagnostics: project.diagnostics,
        batches: batches.map((b) => ({
          sessionKey: b.sessionKey,
          sourceRoot: b.sourceRoot,
          imports: b.imports,
          importProfile: b.importProfile,
          modules: b.modules.map((m) => m.module),
          batchKey: b.fingerprint.batchKey,
        })),
      };
      io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(
      `project ${planner.config.projectRoot} package ${planner.config.package} lib ${planner.config.libName}\n`,
    );
    io.stdout.write(`${project.modules.length} modules, ${batches.length} batches\n`);
    for (const d of project.diagnostics) io.stdout.write(`warning: ${d.code}: ${d.message}\n`);
    batches.forEach((b, i) => {
      io.stdout.write(
        `batch ${i + 1}: source_root=${b.sourceRoot} imports=[${b.imports.join(', ')}] modules=${b.modules.length}\n`,
      );
      for (const m of b.modules) io.stdout.write(`  ${m.module}\n`);
    });
    return 0;
  } catch (err) {
    if (err instanceof LeanWorkerError) {
      const finding = (err.facts.diagnostic as { code?: string } | undefined)?.code;
      io.stderr.write(`${err.code}${finding ? ` (${finding})` : ''}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function planLake(planner: LeanWorkerImportPlanner, project: LakeProject): Promise<LeanWorkerPlannedBatch[]> {
  if (!project.declaredLeanLibs.includes(planner.config.libName)) {
    throw unresolvedCapabilityTarget(project.projectRoot, planner.config.libName);
  }
  return planner.planDiscovered(project);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      'per-module-imports': { type: 'boolean' },
      'content-hash': { type: 'boolean' },
      package: { type: 'string' },
      lib: { type: 'string' },
      import: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
