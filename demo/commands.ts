/**
 * Typed definitions of the readiness commands (`version`, `doctor`, `extract`, `features`,
 * `index`, `probe`) and of the two failure commands, shared by the demo and the tests. The
 * bundled Mathlib-scale child answers them under the plain names; a real Lean capability answers
 * them under its own export names (see {@link exportNames}).
 */
import { z } from 'zod';
import {
  defineJsonCommand,
  defineStreamingCommand,
  type LeanWorkerJsonCommand,
  type LeanWorkerStreamingCommand,
} from '../src/commands.js';

/** Export names of each command in a capability. */
export interface DemoExportNames {
  readonly metadata: string;
  readonly version: string;
  readonly doctor: string;
  readonly index: string;
  readonly extract: string;
  readonly features: string;
  readonly probe: string;
  readonly timeoutAfterRow: string;
  readonly panicAfterRow: string;
}

/** Every demo export with the binding it needs, for the builder's capability manifest. */
export function demoExportKinds(names: DemoExportNames): Record<string, 'stream' | 'json'> {
  return {
    [names.metadata]: 'json',
    [names.version]: 'json',
    [names.doctor]: 'json',
    [names.index]: 'stream',
    [names.extract]: 'stream',
    [names.features]: 'stream',
    [names.probe]: 'stream',
    [names.timeoutAfterRow]: 'stream',
    [names.panicAfterRow]: 'stream',
  };
}

/** The names the bundled fixture child exports. */
export const FIXTURE_EXPORTS: DemoExportNames = Object.freeze({
  metadata: 'metadata',
  version: 'version',
  doctor: 'doctor',
  index: 'index',
  extract: 'extract',
  features: 'features',
  probe: 'probe',
  timeoutAfterRow: 'timeout_after_row',
  panicAfterRow: 'panic_after_row',
});

/** The fixture names with `prefix` in front, then `overrides` (`{ index: 'my_index' }`) on top. */
export function exportNames(prefix = '', overrides: Partial<DemoExportNames> = {}): DemoExportNames {
  const prefixed = Object.fromEntries(
    Object.entries(FIXTURE_EXPORTS).map(([key, name]) => [key, `${prefix}${name}`]),
  ) as unknown as DemoExportNames;
  return Object.freeze({ ...prefixed, ...overrides });
}

/** Request of every streaming command: the modules to work on. */
export const moduleRequestSchema = z
  .object({
    modules: z.array(z.string().min(1)).min(1),
    /** Modules per chunk (one progress event per chunk). */
    chunkSize: z.number().int().positive().optional(),
  })
  .strict();
export type ModuleRequest = z.infer<typeof moduleRequestSchema>;

const count = z.number().int().nonnegative();

export const declarationRowSchema = z
  .object({
    module: z.string(),
    name: z.string(),
    kind: z.enum(['theorem', 'lemma', 'def', 'instance', 'abbrev', 'structure', 'class']),
    type: z.string(),
    index: count,
  })
  .strict();

export const featureRowSchema = z
  .object({
    module: z.string(),
    name: z.string(),
    kind: z.string(),
    symbols: z.array(z.string()),
    depth: count,
    size: count,
  })
  .strict();

export const probeRowSchema = z
  .object({
    module: z.string(),
    name: z.string(),
    tactic: z.string(),
    status: z.enum(['proved', 'failed']),
    heartbeats: count,
  })
  .strict();

/** Any row of the Mathlib-scale commands (its stream says which). */
export const mathlibRowSchema = z.union([declarationRowSchema, featureRowSchema, probeRowSchema]);
export type MathlibRow = z.infer<typeof mathlibRowSchema>;

/** Terminal metadata of a Mathlib-scale stream. */
export const commandSummarySchema = z
  .object({
    fixture: z.literal('mathlib-shaped'),
    command: z.enum(['index', 'extract', 'features', 'probe']),
    ok: z.boolean(),
    rows: count,
    modules: count,
    chunks: count,
    perStream: z.record(z.string(), count),
  })
  .strict();
export type CommandSummary = z.infer<typeof commandSummarySchema>;

export const versionResponseSchema = z
  .object({
    worker: z.string(),
    protocol: z.string(),
    commands: z.array(z.string()),
    capabilities: z.array(z.string()),
  })
  .strict();

export const doctorResponseSchema = z
  .object({
    diagnostics: z.array(
      z
        .object({
          severity: z.enum(['pass', 'warning', 'error']),
          code: z.string(),
          message: z.string(),
          details: z.unknown(),
        })
        .strict(),
    ),
    metadata: z.unknown(),
  })
  .strict();

type Stream<Row, Summary> = LeanWorkerStreamingCommand<ModuleRequest, Row, Summary>;

/** The command set, typed by the row, summary and answers it promises. */
export interface DemoCommandSet<Row = unknown, Summary = unknown, Version = unknown, Doctor = unknown> {
  readonly names: DemoExportNames;
  readonly version: LeanWorkerJsonCommand<Record<string, never>, Version>;
  readonly doctor: LeanWorkerJsonCommand<Record<string, never>, Doctor>;
  readonly index: Stream<Row, Summary>;
  readonly extract: Stream<Row, Summary>;
  readonly features: Stream<Row, Summary>;
  readonly probe: Stream<Row, Summary>;
  readonly timeoutAfterRow: Stream<Row, unknown>;
  readonly panicAfterRow: Stream<Row, unknown>;
}

/** The streaming commands a batch runs, in order. */
export const BATCH_COMMANDS = ['index', 'extract', 'features', 'probe'] as const;
export type BatchCommand = (typeof BATCH_COMMANDS)[number];

function build<Row, Summary, Version, Doctor>(
  names: DemoExportNames,
  row: z.ZodType<Row>,
  summary: z.ZodType<Summary>,
  version: z.ZodType<Version>,
  doctor: z.ZodType<Doctor>,
): DemoCommandSet<Row, Summary, Version, Doctor> {
  const empty = z.object({}).strict() as z.ZodType<Record<string, never>, Record<string, never>>;
  const stream = (exportName: string) =>
    defineStreamingCommand({ export: exportName, request: moduleRequestSchema, row, summary });
  return Object.freeze({
    names,
    version: defineJsonCommand({ export: names.version, request: empty, response: version }),
    doctor: defineJsonCommand({ export: names.doctor, request: empty, response: doctor }),
    index: stream(names.index),
    extract: stream(names.extract),
    features: stream(names.features),
    probe: stream(names.probe),
    timeoutAfterRow: defineStreamingCommand({
      export: names.timeoutAfterRow,
      request: moduleRequestSchema,
      row,
      summary: z.unknown(),
    }),
    panicAfterRow: defineStreamingCommand({
      export: names.panicAfterRow,
      request: moduleRequestSchema,
      row,
      summary: z.unknown(),
    }),
  });
}

/** Strict schemas of the bundled Mathlib-scale child. */
export function mathlibCommands(
  names: DemoExportNames = FIXTURE_EXPORTS,
): DemoCommandSet<
  MathlibRow,
  CommandSummary,
  z.infer<typeof versionResponseSchema>,
  z.infer<typeof doctorResponseSchema>
> {
  return build(names, mathlibRowSchema, commandSummarySchema, versionResponseSchema, doctorResponseSchema);
}

/** Schemas that accept any JSON, for a real capability whose rows have their own shape. */
export function looseCommands(names: DemoExportNames): DemoCommandSet {
  return build(names, z.unknown(), z.unknown(), z.unknown(), z.unknown());
}
