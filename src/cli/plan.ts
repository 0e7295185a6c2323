/**
 * `lean-worker plan <project> [--json] [--per-module-imports] [--package NAME] [--lib NAME]
 * [--import MODULE]... [--content-hash]`: print the planner's batches, deterministically.
 * Package defaults to the lakefile's package name, library to the first default-target library
 * (else the first declared one). Exit status: 0 planned, 1 planning failed, 2 usage error.
 */
import { LeanWorkerError } from '../errors.js';
import { discoverLakeProject, type LakeProject } from '../lake/discover.js';
import type { LeanWorkerPlannedBatch } from '../planner/batch.js';
import { unresolvedCapabilityTarget } from '../planner/errors.js';
import { LeanWorkerImportPlanner } from '../planner/planner.js';
import {
  CliUsageError,
  EXIT_FAILED,
  EXIT_OK,
  type FlagSpec,
  formatHelp,
  HELP_FLAG,
  listFlag,
  parseFlags,
  reportUsage,
  stringFlag,
  UsageCode,
  wantsHelp,
} from './flags.js';

/** Where a command writes. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const FLAGS: readonly FlagSpec[] = [
  { name: 'json', description: 'print the plan as one JSON document' },
  { name: 'per-module-imports', description: "import each module's own header (default: the base imports)" },
  { name: 'package', value: 'NAME', description: "Lake package (default: the lakefile's package name)" },
  {
    name: 'lib',
    value: 'NAME',
    description: 'Lake library (default: the first default-target library, else the first one)',
  },
  {
    name: 'import',
    value: 'MODULE',
    multiple: true,
    description: 'a base import of every session (repeatable)',
  },
  { name: 'content-hash', description: "key batches by the sources' content hash (reads every module)" },
  HELP_FLAG,
];

const HELP = formatHelp({
  usage: 'lean-worker plan <project> [flags]',
  summary: "Print the planner's batches of a Lake project, deterministically.",
  flags: FLAGS,
  notes: ['exit status: 0 planned, 1 planning failed (a missing project included), 2 usage error'],
});

/** Run `plan`; resolves to the exit status. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parseFlags>['values'] | null = null;
  let root: string;
  try {
    const parsed = parseFlags(args, FLAGS, { max: 1 });
    values = parsed.values;
    if (wantsHelp(args, values)) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    if (parsed.positionals.length !== 1) {
      throw new CliUsageError(
        UsageCode.MISSING_ARGUMENT,
        'name the Lake project: lean-worker plan <project>',
        {
          argument: 'project',
        },
      );
    }
    root = parsed.positionals[0] as string;
  } catch (err) {
    if (!(err instanceof CliUsageError)) throw err;
    if (wantsHelp(args, null)) {
      io.stdout.write(HELP);
      return EXIT_OK;
    }
    return reportUsage(io.stderr, 'plan', err);
  }
  try {
    const project = await discoverLakeProject({
      root,
      headers: values['per-module-imports'] === true,
    });
    const libName =
      stringFlag(values, 'lib') ??
      project.libraries.find((l) => l.isDefaultTarget)?.name ??
      project.libraries[0]?.name ??
      '';
    const planner = new LeanWorkerImportPlanner({
      projectRoot: project.projectRoot,
      package: stringFlag(values, 'package') ?? project.packageName ?? libName,
      libName: libName || 'unknown',
      baseImports: listFlag(values, 'import'),
      importsFrom: values['per-module-imports'] ? 'header' : 'base',
      contentHash: values['content-hash'] === true,
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
      return EXIT_FAILED;
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
