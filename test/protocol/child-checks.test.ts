/**
 * The zod-free checks of child-to-parent bodies (`src/protocol/child-checks.ts`, what the
 * supervisor thread runs) against the protocol's zod schemas of the same bodies (kept here only):
 * on values drawn from each schema's own shape, valid and broken, both accept the same values and
 * give the same result, keys in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CheckFailure, childBodyChecks } from '../../src/protocol/child-checks.js';
import { capabilityMetadataSchema, doctorReportSchema } from '../../src/protocol/messages.js';

const u64 = z.number().int().nonnegative();
const u8 = z.number().int().nonnegative().max(255);
const importStatsSchema = z.object({
  direct_import_names: z.array(z.string()),
  effective_module_count: u64,
  compacted_region_count: u64,
  memory_mapped_region_count: u64,
  compacted_region_bytes: u64,
  memory_mapped_region_bytes: u64,
  non_memory_mapped_region_bytes: u64,
  imported_bytes: u64,
  imported_constant_count: u64,
  extension_count: u64,
  total_imported_extension_entries: u64,
  import_level: z.string(),
  import_all: z.boolean(),
  load_exts: z.boolean(),
});
const streamSummarySchema = z.object({
  total_rows: u64,
  per_stream_counts: z.record(z.string(), u64),
  elapsed_micros: u64,
  metadata: z.unknown().nullable(),
});
const responseSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('health_ok') }),
  z.object({ status: z.literal('host_session_opened'), import_stats: importStatsSchema }),
  z.object({ status: z.literal('host_session_reused'), import_stats: importStatsSchema }),
  z.object({ status: z.literal('stream_complete'), summary: streamSummarySchema }),
  z.object({ status: z.literal('stream_export_failed'), status_byte: u8 }),
  z.object({ status: z.literal('stream_callback_failed'), status_byte: u8, description: z.string() }),
  z.object({ status: z.literal('stream_row_malformed'), message: z.string() }),
  z.object({ status: z.literal('capability_metadata'), metadata: capabilityMetadataSchema }),
  z.object({ status: z.literal('capability_doctor'), report: doctorReportSchema }),
  z.object({ status: z.literal('capability_metadata_malformed'), message: z.string() }),
  z.object({ status: z.literal('capability_doctor_malformed'), message: z.string() }),
  z.object({ status: z.literal('json_command'), response_json: z.string() }),
  z.object({ status: z.literal('rows_complete'), count: u64 }),
  z.object({ status: z.literal('terminating') }),
  z.object({ status: z.literal('error'), code: z.string(), message: z.string() }),
]);
const handshakeSchema = z.object({ worker_version: z.string(), protocol_version: z.number().int() });
const diagnosticSchema = z.object({ code: z.string(), message: z.string() });
const progressTickSchema = z.object({ phase: z.string(), current: u64, total: u64.nullable() });
const fatalExitSchema = z.object({ status: z.string(), stderr: z.string() });

interface Def {
  readonly type: string;
  readonly [key: string]: unknown;
}
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

const numbers = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53)),
  fc.integer(),
  fc.maxSafeNat(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const keys = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'status', 'extra'), fc.string());

/** Values shaped by `schema`, mostly valid, often broken at some depth. */
function shaped(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const wrong = fc.jsonValue({ maxDepth: 2 });
  const either = (valid: fc.Arbitrary<unknown>) => fc.oneof({ weight: 9, arbitrary: valid }, wrong);
  switch (def.type) {
    case 'string':
      return either(fc.string());
    case 'number':
      return either(numbers);
    case 'boolean':
      return either(fc.boolean());
    case 'unknown':
      return fc.jsonValue({ maxDepth: 2 });
    case 'nullable':
      return fc.oneof(fc.constant(null), shaped(def.innerType, depth));
    case 'literal':
      return either(fc.constantFrom(...(def.values as unknown[])));
    case 'enum':
      return either(fc.constantFrom(...Object.values(def.entries as Record<string, string>)));
    case 'array':
      return either(fc.array(shaped(def.element, depth + 1), { maxLength: depth > 2 ? 1 : 3 }));
    case 'record':
      return either(fc.dictionary(keys, shaped(def.valueType, depth + 1), { maxKeys: 3 }));
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      const fields = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, shaped(s, depth + 1)]));
      const body = fc
        .tuple(fc.record(fields), fc.dictionary(keys, fc.jsonValue({ maxDepth: 1 })), fc.nat(20), fc.nat())
        // Every key present but now and then one; extra keys, `__proto__` among them, before them.
        .map(([own, extra, drop, which]) => {
          const value: Record<string, unknown> = JSON.parse(JSON.stringify(extra));
          const names = Object.keys(shape);
          const dropped = drop === 0 ? names[which % names.length] : undefined;
          for (const key of names) if (key !== dropped) value[key] = own[key];
          return value;
        });
      return either(body);
    }
    case 'union':
      return fc.oneof(...(def.options as unknown[]).map((o) => shaped(o, depth)));
    default:
      throw new Error(`no arbitrary for zod type ${def.type}`);
  }
}

/** Round-trip through JSON, as a frame body arrives (drops -0, `undefined`, makes `__proto__` an own key). */
const asParsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value) ?? 'null');

function light(check: (v: unknown) => unknown, value: unknown) {
  try {
    return { ok: true as const, value: check(value) };
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    return { ok: false as const };
  }
}

const cases = [
  ['handshake', handshakeSchema],
  ['response', responseSchema],
  ['diagnostic', diagnosticSchema],
  ['progress_tick', progressTickSchema],
  ['fatal_exit', fatalExitSchema],
] as const satisfies readonly (readonly [keyof typeof childBodyChecks, z.ZodType])[];

describe('zod-free child body checks', () => {
  it.each(cases)('%s: accepts and returns exactly what the zod schema does', (type, schema) => {
    let accepted = 0;
    fc.assert(
      fc.property(shaped(schema).map(asParsed), (value) => {
        const expected = schema.safeParse(value);
        const actual = light(childBodyChecks[type], value);
        expect(actual.ok).toBe(expected.success);
        if (actual.ok && expected.success) {
          accepted += 1;
          expect(actual.value).toStrictEqual(expected.data);
          expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.data));
        }
      }),
      { numRuns: 1_500 },
    );
    // The draws must exercise the accepting side too, not only rejections.
    expect(accepted).toBeGreaterThan(100);
  });
});
