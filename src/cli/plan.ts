/**
 * `lean-worker plan <project>`: print the planner's batches, deterministically. Package defaults
 * to the lakefile's package name, library to the first default-target library (else the first
 * declared one). Exit status: 0 planned, 1 planning failed, 2 usage error.
 */
import { LeanWorkerError } from '../errors.js';
import { discoverLakeProject } from '../lake/discover.js';
import { LeanWorkerImportPlanner, unresolvedCapabilityTarget } from '../planner/planner.js';
import {
  type CliIo,
  CliUsageError,
  commandLine,
  EXIT_FAILED,
  type FlagSpec,
  listFlag,
  readCommandLine,
  stringFlag,
  UsageCode,
} from './flags.js';

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
];

const PLAN_COMMAND = commandLine('plan', {
  usage: 'lean-worker plan <project> [flags]',
  summary: "Print the planner's batches of a Lake project, deterministically.",
  flags: FLAGS,
  notes: ['exit status: 0 planned, 1 planning failed (a missing project included), 2 usage error'],
  maxPositionals: 1,
});

/** Run `plan`; resolves to the exit status. */
export async function planCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(PLAN_COMMAND, args, io, (values, [root]) => {
    if (root === undefined) {
      const message = 'name the Lake project: lean-worker plan <project>';
      throw new CliUsageError(UsageCode.MISSING_ARGUMENT, message, { argument: 'project' });
    }
    return { values, root };
  });
  if (typeof parsed === 'number') return parsed;
  const { values, root } = parsed;
  const headers = values['per-module-imports'] === true;
  const contentHash = values['content-hash'] === true;
  try {
    const project = await discoverLakeProject({ root, headers });
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
      importsFrom: headers ? 'header' : 'base',
      contentHash,
    });
    const c = planner.config;
    if (!contentHash && !project.declaredLeanLibs.includes(c.libName)) {
      throw unresolvedCapabilityTarget(project.projectRoot, c.libName);
    }
    const batches = await (contentHash ? planner.planLakeProject() : planner.planDiscovered(project));
    if (values.json) {
      const out = {
        projectRoot: c.projectRoot,
        package: c.package,
        libName: c.libName,
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
    io.stdout.write(`project ${c.projectRoot} package ${c.package} lib ${c.libName}\n`);
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
    if (!(err instanceof LeanWorkerError)) throw err;
    const finding = (err.facts.diagnostic as { code?: string } | undefined)?.code;
    io.stderr.write(`${err.code}${finding ? ` (${finding})` : ''}: ${err.message}\n`);
    return EXIT_FAILED;
  }
}
