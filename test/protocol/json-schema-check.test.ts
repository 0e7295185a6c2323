/**
 * The supervisor thread's zod-free schema check (`src/protocol/json-schema-accept.ts` for a value
 * that passes, `json-schema-check.ts` for the issues of one that does not) against zod,
 * on random schemas of every shape the main thread sends there and random JSON values shaped by
 * them (mostly valid, often broken at some depth): it accepts exactly what the zod schema's
 * `safeParse` accepts and gives the same value (keys in the same order); and a refused value gets
 * the same issues text the thread gave when it checked with zod (the schema rebuilt from its
 * JSON Schema, `z.prettifyError`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { compileCheck } from '../../src/protocol/json-schema-accept.js';
import { checkJson } from '../../src/protocol/json-schema-check.js';
import { compileJsonSchema } from '../../src/protocol/json-schema-subset.js';
import { STRIP_MARKER } from '../../src/protocol/port-messages.js';
import { toThreadSchema } from '../../src/thread-schema.js';

type Primitive = string | number | boolean | null;
type Ast =
  | { t: 'string'; min?: number; max?: number; pattern?: string }
  | { t: 'number'; int: boolean; min?: number; max?: number; gt?: number; lt?: number; step?: number }
  | { t: 'boolean' | 'null' | 'unknown' }
  | { t: 'literal'; values: Primitive[] }
  | { t: 'enum'; values: string[] }
  | { t: 'array'; item: Ast; min?: number; max?: number }
  | {
      t: 'object';
      mode: 'strip' | 'strict' | 'loose';
      props: [string, Ast, 'required' | 'optional' | 'default'][];
    }
  | { t: 'nullable'; inner: Ast }
  | { t: 'union'; options: Ast[] }
  | { t: 'tagged'; tags: string[] };

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const small = fc.integer({ min: -3, max: 6 });
const count = fc.integer({ min: 0, max: 4 });
const primitive = fc.oneof(fc.constantFrom<Primitive>('a', '', 'b c', 0, 1, -1, 0.5, true, false, null));
const KEYS = ['a', 'b', 'c d', 'length', 'default', 'items'];

const ast: fc.Arbitrary<Ast> = fc.letrec<{ node: Ast; leaf: Ast }>((tie) => ({
  leaf: fc.oneof(
    fc.record(
      {
        t: fc.constant('string'),
        min: maybe(count),
        max: maybe(count),
        pattern: maybe(fc.constantFrom('^a', 'b$', '[0-9]', '^\\w*$', 'x/y', '.')),
      },
      { requiredKeys: ['t'] },
    ) as fc.Arbitrary<Ast>,
    fc.record(
      {
        t: fc.constant('number'),
        int: fc.boolean(),
        min: maybe(small),
        max: maybe(small),
        gt: maybe(small),
        lt: maybe(small),
        step: maybe(fc.constantFrom(0.5, 2, 0.1, 3)),
      },
      { requiredKeys: ['t', 'int'] },
    ) as fc.Arbitrary<Ast>,
    fc.constantFrom<Ast>({ t: 'boolean' }, { t: 'null' }, { t: 'unknown' }),
    fc.record({
      t: fc.constant('literal'),
      values: fc.uniqueArray(primitive, { minLength: 1, maxLength: 3 }),
    }) as fc.Arbitrary<Ast>,
    fc.record({
      t: fc.constant('enum'),
      values: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', ''), { minLength: 1, maxLength: 3 }),
    }) as fc.Arbitrary<Ast>,
  ),
  node: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'ast' },
    { weight: 3, arbitrary: tie('leaf') },
    fc.record(
      { t: fc.constant('array'), item: tie('node'), min: maybe(count), max: maybe(count) },
      { requiredKeys: ['t', 'item'] },
    ) as fc.Arbitrary<Ast>,
    fc.record({
      t: fc.constant('object'),
      mode: fc.constantFrom('strip', 'strict', 'loose'),
      props: fc.uniqueArray(
        fc.tuple(fc.constantFrom(...KEYS), tie('node'), fc.constantFrom('required', 'optional', 'default')),
        {
          maxLength: 3,
          selector: (p) => p[0],
        },
      ),
    }) as fc.Arbitrary<Ast>,
    fc.record({ t: fc.constant('nullable'), inner: tie('node') }) as fc.Arbitrary<Ast>,
    fc.record({
      t: fc.constant('union'),
      options: fc.array(tie('node'), { minLength: 2, maxLength: 3 }),
    }) as fc.Arbitrary<Ast>,
    fc.record({
      t: fc.constant('tagged'),
      tags: fc.uniqueArray(fc.constantFrom('x', 'y', 'z'), { minLength: 2, maxLength: 3 }),
    }) as fc.Arbitrary<Ast>,
  ),
})).node;

const DEFAULTS: Record<string, unknown> = { string: 'dflt', number: 7, boolean: true };

function zodOf(a: Ast): z.ZodType {
  switch (a.t) {
    case 'string': {
      let s = z.string();
      if (a.min !== undefined) s = s.min(a.min);
      if (a.max !== undefined) s = s.max(a.max);
      if (a.pattern !== undefined) s = s.regex(new RegExp(a.pattern));
      return s;
    }
    case 'number': {
      let n = a.int ? z.number().int() : z.number();
      if (a.min !== undefined) n = n.min(a.min);
      if (a.max !== undefined) n = n.max(a.max);
      if (a.gt !== undefined) n = n.gt(a.gt);
      if (a.lt !== undefined) n = n.lt(a.lt);
      if (a.step !== undefined) n = n.multipleOf(a.step);
      return n;
    }
    case 'boolean':
      return z.boolean();
    case 'null':
      return z.null();
    case 'unknown':
      return z.unknown();
    case 'literal':
      return z.literal(a.values);
    case 'enum':
      return z.enum(a.values as [string, ...string[]]);
    case 'array': {
      let arr = z.array(zodOf(a.item));
      if (a.min !== undefined) arr = arr.min(a.min);
      if (a.max !== undefined) arr = arr.max(a.max);
      return arr;
    }
    case 'object': {
      const shape: Record<string, z.ZodType> = {};
      for (const [key, node, how] of a.props) {
        const inner = zodOf(node);
        shape[key] =
          how === 'optional'
            ? inner.optional()
            : how === 'default'
              ? inner.default(DEFAULTS[node.t] ?? null)
              : inner;
      }
      return a.mode === 'strict'
        ? z.strictObject(shape)
        : a.mode === 'loose'
          ? z.looseObject(shape)
          : z.object(shape);
    }
    case 'nullable':
      return zodOf(a.inner).nullable();
    case 'union':
      return z.union(a.options.map(zodOf) as [z.ZodType, z.ZodType]);
    case 'tagged': {
      const [first, second, ...rest] = a.tags.map((tag) =>
        z.strictObject({ kind: z.literal(tag), n: z.number().optional() }),
      );
      if (!first || !second) throw new Error('a tagged union has two tags or more');
      return z.discriminatedUnion('kind', [first, second, ...rest]);
    }
  }
}

const anyJson = fc.jsonValue({ maxDepth: 2 });
const strings = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('a', 'ab1', 'xb', 'x/y', '😀😀😀', '\uD800a', 'aaaaaaa'),
);
const numbers = fc.oneof(
  fc.integer({ min: -8, max: 8 }),
  fc.constantFrom(0.5, 1.5, 0.3, -0, 2 ** 53, -(2 ** 53), 1e21, 6.000000000000001),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const extraKeys = fc.constantFrom('extra', '__proto__', 'constructor', 'length', 'a b');

/** JSON values shaped by `a`: mostly valid, sometimes anything at any depth. */
function valuesOf(a: Ast): fc.Arbitrary<unknown> {
  const shaped = ((): fc.Arbitrary<unknown> => {
    switch (a.t) {
      case 'string':
        return strings;
      case 'number':
        return numbers;
      case 'boolean':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'unknown':
        return anyJson;
      case 'literal':
      case 'enum':
        return fc.constantFrom(...a.values);
      case 'array':
        return fc.array(valuesOf(a.item), { maxLength: 6 });
      case 'nullable':
        return fc.oneof(fc.constant(null), valuesOf(a.inner));
      case 'union':
        return fc.oneof(...a.options.map(valuesOf));
      case 'tagged':
        return fc.record(
          { kind: fc.constantFrom(...a.tags, 'w'), n: numbers, extra: fc.constant(1) },
          { requiredKeys: ['kind'] },
        );
      case 'object':
        return fc
          .tuple(
            fc.tuple(
              ...a.props.map(([key, node]) => fc.tuple(fc.constant(key), fc.boolean(), valuesOf(node))),
            ),
            fc.array(fc.tuple(extraKeys, anyJson), { maxLength: 2 }),
            fc.boolean(),
          )
          .map(([props, extras, reversed]) => {
            const entries = props.filter(([, present]) => present).map(([key, , value]) => [key, value]);
            // Declared keys in the schema's order or not, unknown keys at the end.
            return Object.fromEntries([...(reversed ? entries.reverse() : entries), ...extras]);
          });
    }
  })();
  return fc.oneof({ weight: 6, arbitrary: shaped }, { weight: 1, arbitrary: anyJson });
}

/** The thread's check before this module: zod rebuilt from the JSON Schema, then unknown keys stripped. */
function zodThreadCheck(json: object, value: unknown) {
  const rebuilt = z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
  const result = rebuilt.safeParse(value);
  if (!result.success) return { ok: false, issues: z.prettifyError(result.error) } as const;
  return { ok: true } as const;
}

const copy = (v: unknown): unknown => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

describe('the zod-free thread check means what zod means', () => {
  it('accepts what zod accepts, gives the same value, and the same issues as the zod-checking thread', {
    timeout: 60_000,
  }, () => {
    let checked = 0;
    let accepted = 0;
    fc.assert(
      fc.property(
        ast.chain((a) => fc.tuple(fc.constant(a), fc.array(valuesOf(a), { minLength: 1, maxLength: 8 }))),
        ([a, values]) => {
          const schema = zodOf(a);
          const thread = toThreadSchema(schema);
          if (!thread) return;
          const node = compileJsonSchema(thread.json);
          expect(node).not.toBeNull();
          if (!node) return;
          const check = compileCheck(node);
          for (const value of values) {
            checked += 1;
            const mine = check(copy(value));
            // The passing path and the issue-giving walk agree on every verdict and value.
            const walked = checkJson(node, copy(value));
            expect(walked.ok).toBe(mine.ok);
            if (walked.ok && mine.ok) expect(JSON.stringify(walked.value)).toBe(JSON.stringify(mine.value));
            const theirs = schema.safeParse(copy(value));
            expect(mine.ok).toBe(theirs.success);
            if (mine.ok && theirs.success) {
              accepted += 1;
              expect(JSON.stringify(mine.value)).toBe(JSON.stringify(theirs.data));
            } else if (!mine.ok) {
              const before = zodThreadCheck(thread.json, copy(value));
              expect(before.ok).toBe(false);
              if (!before.ok) expect(mine.issues).toBe(before.issues);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
    // Both sides of the verdict were exercised.
    expect(accepted).toBeGreaterThan(checked / 5);
    expect(checked - accepted).toBeGreaterThan(checked / 5);
  });

  it('leaves out of the subset what it cannot check exactly, so the consumer checks it with zod', () => {
    for (const json of [
      { type: 'string', format: 'email' },
      { type: 'array', prefixItems: [{ type: 'string' }] },
      { type: 'object', properties: { toString: { type: 'string' } } },
      { type: 'object', propertyNames: { pattern: '^a' } },
      { allOf: [{ type: 'string' }] },
      { type: 'string', anyOf: [{ minLength: 1 }] },
      { $ref: '#/$defs/a', $defs: { a: { type: 'string' } } },
      { type: 'object', additionalProperties: { type: 'string' } },
      { type: 'object', [STRIP_MARKER]: true, additionalProperties: false },
      { type: 'string', pattern: '(' },
      { enum: [] },
      { type: 'number', not: {} },
      { type: 'string', readOnly: true },
    ]) {
      expect(compileJsonSchema(json)).toBeNull();
    }
    expect(toThreadSchema(z.object({ toString: z.string() }))).toBeNull();
    expect(
      toThreadSchema(z.array(z.string().meta({ title: 'metadata', note: 'also metadata' }))),
    ).not.toBeNull();
  });
});
