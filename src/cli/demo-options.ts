/**
 * Options of `lean-worker demo`: flags, each with an environment variable fallback, validated once
 * with a strict zod schema. Without `--child` the demo runs the bundled Mathlib-scale child over a
 * generated Mathlib-shaped project; with `--child` (and usually `--project`, `--package`, `--lib`)
 * it runs the same path against a real Lean capability.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { packageRoot } from '../worker/paths.js';
import { type DemoExportNames, exportNames, FIXTURE_EXPORTS } from './demo-commands.js';

export const USAGE = `usage: lean-worker demo [options]
  --json                   print one JSON result instead of progress and tables
  --modules N              modules of the generated project (1000)        LEAN_WORKER_DEMO_MODULES
  --workers N              workers (and concurrent leases) (2)            LEAN_WORKER_DEMO_WORKERS
  --max-batches N          stop after the first N batches (all)           LEAN_WORKER_DEMO_MAX_BATCHES
  --time-scale F           scale the fixture's simulated import and elaboration time (1)
  --timeout-ms N           deadline of the injected hanging command (400)
  --no-failures            skip the injected cancellation, timeout and crash
  --generated-dir DIR      where the generated project lives (fixtures/generated)
  real Lean:
  --child PATH             worker child, e.g. lean-rs-worker-child        LEAN_WORKER_DEMO_CHILD
  --child-arg ARG          an argument for the child (repeatable)
  --project DIR            Lake project root                              LEAN_WORKER_DEMO_PROJECT
  --package NAME           Lake package of the capability (mathlib)       LEAN_WORKER_DEMO_PACKAGE
  --lib NAME               Lake library of the capability (Mathlib)       LEAN_WORKER_DEMO_LIB
  --import MODULE          import of every session (repeatable)           LEAN_WORKER_DEMO_IMPORTS (comma-separated)
  --imports-from MODE      header (per-module headers) or base (header)   LEAN_WORKER_DEMO_IMPORTS_FROM
  --export-prefix P        prefix of every export name                    LEAN_WORKER_DEMO_EXPORT_PREFIX
  --export KEY=NAME        one export name (keys: ${Object.keys(FIXTURE_EXPORTS).join(', ')})
  --check-metadata         validate capability metadata when each worker opens
  --skip-build             do not run lake build
  --request-timeout-ms N   deadline of each command (60000)
`;

const positiveInt = z.coerce.number().int().positive();

const optionsSchema = z
  .object({
    json: z.boolean(),
    modules: positiveInt.default(1000),
    workers: positiveInt.default(2),
    maxBatches: positiveInt.optional(),
    timeScale: z.coerce.number().nonnegative().default(1),
    timeoutMs: positiveInt.default(400),
    failures: z.boolean(),
    generatedDir: z.string().min(1),
    child: z.string().min(1).optional(),
    childArgs: z.array(z.string()),
    project: z.string().min(1).optional(),
    package: z.string().min(1).default('mathlib'),
    lib: z.string().min(1).default('Mathlib'),
    imports: z.array(z.string().min(1)),
    importsFrom: z.enum(['header', 'base']).default('header'),
    exports: z.custom<DemoExportNames>(),
    checkMetadata: z.boolean(),
    skipBuild: z.boolean(),
    requestTimeoutMs: positiveInt.default(60_000),
  })
  .strict();

export type DemoOptions = z.output<typeof optionsSchema>;

/** Thrown for a usage error (exit status 2). */
export class DemoUsageError extends Error {}

function exportOverrides(pairs: readonly string[]): Partial<DemoExportNames> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at);
    if (at <= 0 || !Object.hasOwn(FIXTURE_EXPORTS, key) || at === pair.length - 1) {
      throw new DemoUsageError(`--export expects KEY=NAME with KEY one of the command keys, got ${pair}`);
    }
    out[key] = pair.slice(at + 1);
  }
  return out;
}

/** Parse `args` (and the `LEAN_WORKER_DEMO_*` environment); throws DemoUsageError. */
export function parseDemoOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): DemoOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(args).values;
  } catch (error) {
    throw new DemoUsageError((error as Error).message);
  }
  const list = (raw: string | undefined) =>
    raw
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [];
  const prefix = values['export-prefix'] ?? env.LEAN_WORKER_DEMO_EXPORT_PREFIX ?? '';
  const parsed = optionsSchema.safeParse({
    json: values.json ?? false,
    modules: values.modules ?? env.LEAN_WORKER_DEMO_MODULES,
    workers: values.workers ?? env.LEAN_WORKER_DEMO_WORKERS,
    maxBatches: values['max-batches'] ?? env.LEAN_WORKER_DEMO_MAX_BATCHES,
    timeScale: values['time-scale'],
    timeoutMs: values['timeout-ms'],
    failures: !(values['no-failures'] ?? false),
    generatedDir: path.resolve(values['generated-dir'] ?? path.join(packageRoot, 'fixtures', 'generated')),
    child: values.child ?? env.LEAN_WORKER_DEMO_CHILD,
    childArgs: values['child-arg'] ?? [],
    project: values.project ?? env.LEAN_WORKER_DEMO_PROJECT,
    package: values.package ?? env.LEAN_WORKER_DEMO_PACKAGE,
    lib: values.lib ?? env.LEAN_WORKER_DEMO_LIB,
    imports: values.import ?? list(env.LEAN_WORKER_DEMO_IMPORTS),
    importsFrom: values['imports-from'] ?? env.LEAN_WORKER_DEMO_IMPORTS_FROM,
    exports: exportNames(prefix, exportOverrides(values.export ?? [])),
    checkMetadata: values['check-metadata'] ?? false,
    skipBuild: values['skip-build'] ?? false,
    requestTimeoutMs: values['request-timeout-ms'],
  });
  if (!parsed.success) throw new DemoUsageError(z.prettifyError(parsed.error));
  if (parsed.data.project !== undefined && parsed.data.child === undefined) {
    throw new DemoUsageError('--project needs --child: the bundled child only serves the generated project');
  }
  return parsed.data;
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      json: { type: 'boolean' },
      modules: { type: 'string' },
      workers: { type: 'string' },
      'max-batches': { type: 'string' },
      'time-scale': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'no-failures': { type: 'boolean' },
      'generated-dir': { type: 'string' },
      child: { type: 'string' },
      'child-arg': { type: 'string', multiple: true },
      project: { type: 'string' },
      package: { type: 'string' },
      lib: { type: 'string' },
      import: { type: 'string', multiple: true },
      'imports-from': { type: 'string' },
      'export-prefix': { type: 'string' },
      export: { type: 'string', multiple: true },
      'check-metadata': { type: 'boolean' },
      'skip-build': { type: 'boolean' },
      'request-timeout-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Whether `--help` was asked for. */
export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
