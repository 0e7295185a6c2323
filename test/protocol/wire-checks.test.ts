/**
 * The zod-free checks of message bodies (`src/protocol/wire-checks.ts`, what the supervisor thread
 * runs) against the protocol's zod schemas of the same bodies (kept in `wire-schemas.ts` only):
 * on values drawn from each schema's own shape, valid and broken, both accept the same values and
 * give the same result, keys in the same order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CheckFailure, childBodyChecks, parentBodyChecks } from '../../src/protocol/wire-checks.js';
import {
  configureFrameLimitSchema,
  dataRowSchema,
  diagnosticSchema,
  fatalExitSchema,
  handshakeSchema,
  progressTickSchema,
  requestSchema,
  responseSchema,
} from './wire-schemas.js';

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
  ['data_row', dataRowSchema],
  ['response', responseSchema],
  ['diagnostic', diagnosticSchema],
  ['progress_tick', progressTickSchema],
  ['fatal_exit', fatalExitSchema],
  ['request', requestSchema],
  ['configure_frame_limit', configureFrameLimitSchema],
] as const satisfies readonly (readonly [keyof typeof bodyChecks, z.ZodType])[];

const bodyChecks = { ...childBodyChecks, ...parentBodyChecks };

describe('zod-free body checks', () => {
  it.each(cases)('%s: accepts and returns exactly what the zod schema does', (type, schema) => {
    let accepted = 0;
    fc.assert(
      fc.property(shaped(schema).map(asParsed), (value) => {
        const expected = schema.safeParse(value);
        const actual = light(bodyChecks[type], value);
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
