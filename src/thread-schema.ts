/**
 * Which zod schemas the supervisor thread may check. A schema crosses to the thread as JSON
 * Schema and is checked there without zod, the way zod parses the schema rebuilt from that JSON
 * Schema (`protocol/json-schema-check.ts`), so only a schema whose rebuilt form parses to exactly
 * what `schema.parse` gives is sent: plain types, length and range checks, regexes without flags,
 * objects (unknown keys of a plain `z.object` are stripped in the thread, marked `x-strip`),
 * arrays, optional, nullable, defaults, and unions of those without stripping objects. Anything
 * else (transforms, refinements, preprocess, coercion, `.catch`, string formats, flagged regexes,
 * records, tuples, lazy schemas), and any JSON Schema outside the subset the thread's zod-free
 * checker compiles (`protocol/json-schema-subset.ts`), is checked where the rows are consumed,
 * with the schema itself.
 */
import { z } from 'zod';
import { compileJsonSchema } from './protocol/json-schema-subset.js';
import { STRIP_MARKER, type ThreadSchema } from './protocol/port-messages.js';

interface Def {
  readonly type: string;
  readonly coerce?: boolean;
  readonly format?: string;
  readonly checks?: readonly { readonly _zod: { readonly def: CheckDef } }[];
  readonly [key: string]: unknown;
}
type CheckDef = { readonly check: string; readonly format?: string; readonly pattern?: RegExp };

const LENGTH_CHECKS = new Set(['min_length', 'max_length', 'length_equals']);
const NUMBER_CHECKS = new Set(['greater_than', 'less_than', 'multiple_of', 'number_format']);
const NUMBER_FORMATS = new Set(['safeint', 'int32', 'uint32', 'float32', 'float64']);
const PLAIN = new Set(['boolean', 'null', 'unknown', 'any', 'enum']);

const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

function checksOk(def: Def, allowed: (check: CheckDef) => boolean): boolean {
  return (def.checks ?? []).every((c) => allowed(c._zod.def));
}

const isPlainRegex = (c: CheckDef): boolean =>
  c.check === 'string_format' && c.format === 'regex' && c.pattern?.flags === '';

const isJsonLiteral = (value: unknown): boolean =>
  value === null || ['string', 'number', 'boolean'].includes(typeof value);

/** Whether the rebuilt JSON Schema of `schema` parses exactly as `schema` does. */
function faithful(schema: unknown, inUnion: boolean): boolean {
  const def = defOf(schema);
  if (def.coerce) return false;
  switch (def.type) {
    case 'string':
      return def.format === undefined && checksOk(def, (c) => LENGTH_CHECKS.has(c.check) || isPlainRegex(c));
    case 'number':
      // A number without a format is a float64.
      return NUMBER_FORMATS.has(def.format ?? 'float64') && checksOk(def, (c) => NUMBER_CHECKS.has(c.check));
    case 'literal':
      return !def.checks?.length && (def.values as unknown[]).every(isJsonLiteral);
    case 'array':
      return checksOk(def, (c) => LENGTH_CHECKS.has(c.check)) && faithful(def.element, inUnion);
    case 'object': {
      const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
      if (catchall !== undefined && !['never', 'unknown', 'any'].includes(catchall)) return false;
      if (catchall === undefined && inUnion) return false;
      return !def.checks?.length && Object.values(def.shape as object).every((s) => faithful(s, inUnion));
    }
    case 'optional':
    case 'nullable':
      return faithful(def.innerType, inUnion);
    case 'default':
      return JSON.stringify(def.defaultValue) !== undefined && faithful(def.innerType, inUnion);
    case 'union':
      return !def.checks?.length && (def.options as unknown[]).every((o) => faithful(o, true));
    default:
      return PLAIN.has(def.type) && !def.checks?.length;
  }
}

/**
 * What the supervisor checks `schema` with, or null when the consumer must check it. Whether a
 * passing value comes back unchanged is read off the schema here, once: only a default filled in
 * or an object's unknown keys removed change it (JSON Schema has no transforms).
 */
export function toThreadSchema(schema: z.ZodType): ThreadSchema | null {
  if (!faithful(schema, false)) return null;
  let changesValue = false;
  try {
    const json = z.toJSONSchema(schema, {
      io: 'input',
      unrepresentable: 'throw',
      cycles: 'throw',
      override: (ctx) => {
        const def = defOf(ctx.zodSchema);
        if (def.type === 'default' || def.type === 'prefault') changesValue = true;
        if (def.type === 'object' && def.catchall === undefined) {
          ctx.jsonSchema[STRIP_MARKER] = true;
          changesValue = true;
        }
      },
    });
    // The thread checks it without zod, so only in the JSON Schema subset it compiles.
    if (compileJsonSchema(json) === null) return null;
    return { json, preservesValue: !changesValue };
  } catch {
    return null;
  }
}
