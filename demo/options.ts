/**
 * Options of `lean-worker demo`: flags, each with an environment variable fallback, checked in
 * our own words (usage errors are {@link CliUsageError}). Without `--child` the demo runs the
 * bundled Mathlib-scale child over a generated Mathlib-shaped project; with `--child` (and usually
 * `--project`, `--package`, `--lib`) it runs the same path against a real Lean capability.
 * The generated project goes to a cache directory, never into the package's own folder.
 */
import os from 'node:os';
import path from 'node:path';
import {
  CliUsageError,
  choice,
  type FlagSpec,
  formatHelp,
  HELP_FLAG,
  listFlag,
  nonNegativeNumber,
  parseFlags,
  positiveInt,
  stringFlag,
  UsageCode,
} from '../src/cli/flags.js';
import { type DemoExportNames, exportNames, FIXTURE_EXPORTS } from './commands.js';

/** The demo's options after defaults. */
export interface DemoOptions {
  /** `--help` was asked for. */
  readonly help: boolean;
  readonly json: boolean;
  readonly modules: number;
  readonly workers: number;
  readonly maxBatches: number | undefined;
  readonly timeScale: number;
  readonly timeoutMs: number;
  readonly failures: boolean;
  readonly generatedDir: string;
  readonly child: string | undefined;
  readonly childArgs: readonly string[];
  readonly project: string | undefined;
  readonly package: string;
  readonly lib: string;
  readonly imports: readonly string[];
  readonly importsFrom: 'header' | 'base';
  readonly exports: DemoExportNames;
  readonly checkMetadata: boolean;
  readonly skipBuild: boolean;
  readonly requestTimeoutMs: number;
}

export const DEMO_FLAGS: readonly FlagSpec[] = [
  { name: 'json', description: 'print one JSON result instead of progress and tables' },
  {
    name: 'modules',
    value: 'N',
    description: 'modules of the generated project (1000; LEAN_WORKER_DEMO_MODULES)',
  },
  { name: 'workers', value: 'N', description: 'workers and concurrent leases (2; LEAN_WORKER_DEMO_WORKERS)' },
  {
    name: 'max-batches',
    value: 'N',
    description: 'stop after the first N batches (all; LEAN_WORKER_DEMO_MAX_BATCHES)',
  },
  {
    name: 'time-scale',
    value: 'F',
    description: "scale the fixture's simulated import and elaboration time (1)",
  },
  { name: 'timeout-ms', value: 'N', description: 'deadline of the injected hanging command (400)' },
  { name: 'no-failures', description: 'skip the injected cancellation, timeout and crash' },
  {
    name: 'generated-dir',
    value: 'DIR',
    description:
      'where the generated project is written (LEAN_WORKER_DEMO_GENERATED_DIR; default $XDG_CACHE_HOME/lean-worker-pool/demo or ~/.cache/lean-worker-pool/demo)',
  },
  {
    name: 'child',
    value: 'PATH',
    description: 'real Lean: worker child, e.g. lean-rs-worker-child (LEAN_WORKER_DEMO_CHILD)',
  },
  {
    name: 'child-arg',
    value: 'ARG',
    multiple: true,
    dashValue: true,
    description: 'an argument for the child (repeatable)',
  },
  {
    name: 'project',
    value: 'DIR',
    description: 'Lake project root, with --child (LEAN_WORKER_DEMO_PROJECT)',
  },
  {
    name: 'package',
    value: 'NAME',
    description: 'Lake package of the capability (mathlib; LEAN_WORKER_DEMO_PACKAGE)',
  },
  {
    name: 'lib',
    value: 'NAME',
    description: 'Lake library of the capability (Mathlib; LEAN_WORKER_DEMO_LIB)',
  },
  {
    name: 'import',
    value: 'MODULE',
    multiple: true,
    description: 'import of every session (repeatable; LEAN_WORKER_DEMO_IMPORTS, comma-separated)',
  },
  {
    name: 'imports-from',
    value: 'MODE',
    description: 'header (per-module headers, default) or base (LEAN_WORKER_DEMO_IMPORTS_FROM)',
  },
  {
    name: 'export-prefix',
    value: 'P',
    description: 'prefix of every export name (LEAN_WORKER_DEMO_EXPORT_PREFIX)',
  },
  {
    name: 'export',
    value: 'KEY=NAME',
    multiple: true,
    description: `one export name (keys: ${Object.keys(FIXTURE_EXPORTS).join(', ')})`,
  },
  { name: 'check-metadata', description: 'validate capability metadata when each worker opens' },
  { name: 'skip-build', description: 'do not run lake build' },
  { name: 'request-timeout-ms', value: 'N', description: 'deadline of each command (60000)' },
  HELP_FLAG,
];

export const USAGE = formatHelp({
  usage: 'lean-worker demo [flags]',
  summary:
    'Planner -> pool -> leases -> typed streaming commands over every batch of a generated\n' +
    'Mathlib-shaped project on several workers, with live progress, one cancellation, one timeout\n' +
    'and one crash recovered from, then a summary. With --child, the same path on real Lean.',
  flags: DEMO_FLAGS,
  notes: ['exit status: 0 success, 1 a batch failed or a failure was not recovered, 2 usage error'],
});

/** Where the generated project goes by default: the user's cache directory. */
export function defaultGeneratedDir(env: NodeJS.ProcessEnv): string {
  const cache = env.XDG_CACHE_HOME?.trim() ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(cache, 'lean-worker-pool', 'demo');
}

function exportOverrides(pairs: readonly string[]): Partial<DemoExportNames> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    if (at <= 0 || !Object.hasOwn(FIXTURE_EXPORTS, key) || at === pair.length - 1) {
      throw new CliUsageError(
        UsageCode.BAD_VALUE,
        `--export expects KEY=NAME with KEY one of ${Object.keys(FIXTURE_EXPORTS).join(', ')}, got ${pair}`,
        { flag: '--export', value: pair },
      );
    }
    out[key] = pair.slice(at + 1);
  }
  return out;
}

const nonEmpty = (text: string | undefined): string | undefined =>
  text === undefined || text.trim() === '' ? undefined : text;

/** Parse `args` (and the `LEAN_WORKER_DEMO_*` environment); throws CliUsageError. */
export function parseDemoOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): DemoOptions {
  const { values } = parseFlags(args, DEMO_FLAGS);
  const flag = (name: string, envName?: string) =>
    nonEmpty(stringFlag(values, name)) ?? (envName === undefined ? undefined : nonEmpty(env[envName]));
  const list = (raw: string | undefined) =>
    raw
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const imports = listFlag(values, 'import');
  const options: DemoOptions = {
    help: values.help === true,
    json: values.json === true,
    modules: positiveInt('modules', flag('modules', 'LEAN_WORKER_DEMO_MODULES')) ?? 1000,
    workers: positiveInt('workers', flag('workers', 'LEAN_WORKER_DEMO_WORKERS')) ?? 2,
    maxBatches: positiveInt('max-batches', flag('max-batches', 'LEAN_WORKER_DEMO_MAX_BATCHES')),
    timeScale: nonNegativeNumber('time-scale', flag('time-scale')) ?? 1,
    timeoutMs: positiveInt('timeout-ms', flag('timeout-ms')) ?? 400,
    failures: values['no-failures'] !== true,
    generatedDir: path.resolve(
      flag('generated-dir', 'LEAN_WORKER_DEMO_GENERATED_DIR') ?? defaultGeneratedDir(env),
    ),
    child: flag('child', 'LEAN_WORKER_DEMO_CHILD'),
    childArgs: listFlag(values, 'child-arg'),
    project: flag('project', 'LEAN_WORKER_DEMO_PROJECT'),
    package: flag('package', 'LEAN_WORKER_DEMO_PACKAGE') ?? 'mathlib',
    lib: flag('lib', 'LEAN_WORKER_DEMO_LIB') ?? 'Mathlib',
    imports: imports.length > 0 ? imports : list(env.LEAN_WORKER_DEMO_IMPORTS),
    importsFrom:
      choice('imports-from', flag('imports-from', 'LEAN_WORKER_DEMO_IMPORTS_FROM'), [
        'header',
        'base',
      ] as const) ?? 'header',
    exports: exportNames(
      flag('export-prefix', 'LEAN_WORKER_DEMO_EXPORT_PREFIX') ?? '',
      exportOverrides(listFlag(values, 'export')),
    ),
    checkMetadata: values['check-metadata'] === true,
    skipBuild: values['skip-build'] === true,
    requestTimeoutMs: positiveInt('request-timeout-ms', flag('request-timeout-ms')) ?? 60_000,
  };
  if (options.project !== undefined && options.child === undefined) {
    throw new CliUsageError(
      UsageCode.CONFLICTING_FLAGS,
      '--project needs --child: the bundled child only serves the generated project',
      { flag: '--project' },
    );
  }
  return options;
}
