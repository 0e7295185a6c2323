/**
 * The JSON Schema subset a command schema may cross to the supervisor thread in, compiled to a small tree
 * that `json-schema-accept.ts` and `json-schema-check.ts` run. The subset is what `z.toJSONSchema` emits for
 * the schemas `src/thread-schema.ts` lets through: types (one or a list), `const`/`enum`, string length and
 * an unflagged `pattern`, number bounds, `multipleOf` and `integer`, arrays with `items` and item counts,
 * objects with `properties`/`required` and `additionalProperties` (absent, `true`, `{}` or `false`; the
 * `x-strip` marker), `anyOf`, `oneOf` and `default`. Other keys are metadata, as they are to zod.
 * `compileJsonSchema` returns null for any other keyword or form, and the main thread then checks that schema
 * where rows are consumed. Pure: no I/O, no zod.
 */
import { STRIP_MARKER } from './port-messages.js';

/** One compiled schema node; each mirrors the zod schema `z.fromJSONSchema` builds for it. */
export type SchemaNode =
  | { readonly kind: 'any' }
  | { readonly kind: 'type'; readonly type: 'boolean' | 'null' }
  | { readonly kind: 'string'; readonly checks: readonly Check[] }
  | { readonly kind: 'number'; readonly integer: boolean; readonly checks: readonly Check[] }
  | { readonly kind: 'values'; readonly values: readonly JsonPrimitive[] }
  | { readonly kind: 'array'; readonly item: SchemaNode; readonly checks: readonly Check[] }
  | {
      readonly kind: 'object';
      readonly properties: readonly PropertyNode[];
      readonly keys: ReadonlySet<string>;
      /** `strip`: unknown keys are dropped; `keep`: kept; `refuse`: an issue. */
      readonly unknownKeys: 'strip' | 'keep' | 'refuse';
    }
  | { readonly kind: 'union'; readonly options: readonly SchemaNode[]; readonly exclusive: boolean }
  | { readonly kind: 'default'; readonly inner: SchemaNode; readonly valueText: string };

export type JsonPrimitive = string | number | boolean | null;

export interface PropertyNode {
  readonly key: string;
  readonly node: SchemaNode;
  readonly required: boolean;
  /** zod's `optin` of the property: whether it may be absent, and whether a default fills it. */
  readonly optin: 'defaulted' | 'optional' | undefined;
}

/** A check run after a node's type matched, in zod's order (length checks also run after a type miss). */
export type Check =
  | { readonly check: 'min_length' | 'max_length'; readonly bound: number }
  | { readonly check: 'pattern'; readonly regex: RegExp }
  | { readonly check: 'gte' | 'lte' | 'gt' | 'lt'; readonly bound: number }
  | { readonly check: 'multiple_of'; readonly divisor: number };

/**
 * Keywords with a meaning for zod's `fromJSONSchema` that this subset does not check: a schema
 * using one goes to the consumer. Every other key this module does not read (`description`,
 * `title`, `examples`, a `.meta()` key) is metadata to zod too, and is ignored here as there.
 */
const REFUSED = new Set(
  `$ref allOf not patternProperties propertyNames minProperties maxProperties prefixItems additionalItems
uniqueItems contains minContains maxContains format unevaluatedItems unevaluatedProperties if then else
dependentSchemas dependentRequired readOnly nullable`.split(/\s+/),
);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

type Json = Readonly<Record<string, unknown>>;

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): v is JsonPrimitive =>
  v === null || typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBound = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Thrown inside the walk when a schema leaves the subset. */
class Unsupported extends Error {}

function need(ok: boolean): void {
  if (!ok) throw new Unsupported();
}

/** The compiled tree of `schema`, or null when it uses anything outside the subset. */
export function compileJsonSchema(schema: unknown): SchemaNode | null {
  try {
    return node(schema);
  } catch (error) {
    if (error instanceof Unsupported) return null;
    throw error;
  }
}

function node(schema: unknown): SchemaNode {
  need(isRecord(schema));
  const s = schema as Json;
  for (const key of Object.keys(s)) need(!REFUSED.has(key));
  const hasType = s.type !== undefined || s.enum !== undefined || s.const !== undefined;
  let base: SchemaNode = hasType ? baseNode(s) : { kind: 'any' };
  const composed = s.anyOf ?? s.oneOf;
  if (composed !== undefined) {
    // Both at once, or beside a type, zod rebuilds as an intersection: not in the subset.
    need(!hasType && (s.anyOf === undefined || s.oneOf === undefined));
    need(Array.isArray(composed) && composed.length > 0);
    const options = (composed as unknown[]).map(node);
    base =
      options.length === 1 ? (options[0] as SchemaNode) : { kind: 'union', options, exclusive: !s.anyOf };
  }
  if (s.default !== undefined) {
    const valueText = JSON.stringify(s.default);
    need(valueText !== undefined);
    base = { kind: 'default', inner: base, valueText };
  }
  return base;
}

/** The node of the `enum`/`const`/`type` keywords (zod reads them in that order). */
function baseNode(s: Json): SchemaNode {
  if (s.enum !== undefined) {
    need(Array.isArray(s.enum) && s.enum.length > 0 && (s.enum as unknown[]).every(isPrimitive));
    const values = s.enum as JsonPrimitive[];
    // One value is a literal; all strings an enum; otherwise a union of literals.
    if (values.length === 1 || values.every((v) => typeof v === 'string')) return { kind: 'values', values };
    return { kind: 'union', options: values.map((v) => ({ kind: 'values', values: [v] })), exclusive: false };
  }
  if (s.const !== undefined) {
    need(isPrimitive(s.const));
    return { kind: 'values', values: [s.const as JsonPrimitive] };
  }
  if (Array.isArray(s.type)) {
    need(s.type.length > 0);
    const options = (s.type as unknown[]).map((type) => typedNode(type, s));
    return options.length === 1 ? (options[0] as SchemaNode) : { kind: 'union', options, exclusive: false };
  }
  return typedNode(s.type, s);
}

function typedNode(type: unknown, s: Json): SchemaNode {
  need(typeof type === 'string' && TYPES.has(type));
  switch (type) {
    case 'string':
      return { kind: 'string', checks: stringChecks(s) };
    case 'number':
    case 'integer':
      return { kind: 'number', integer: type === 'integer', checks: numberChecks(s) };
    case 'array':
      need(s.items === undefined || isRecord(s.items));
      return {
        kind: 'array',
        item: s.items === undefined ? { kind: 'any' } : node(s.items),
        checks: boundChecks(s, { minItems: 'min_length', maxItems: 'max_length' }, isCount),
      };
    case 'object':
      return objectNode(s);
    default:
      return { kind: 'type', type: type as 'boolean' | 'null' };
  }
}

/** A check per keyword of `keywords` that `s` has, its value first held to `valid`. */
function boundChecks(
  s: Json,
  keywords: Readonly<Record<string, 'min_length' | 'max_length' | 'gte' | 'lte' | 'gt' | 'lt'>>,
  valid: (v: unknown) => v is number,
): Check[] {
  const checks: Check[] = [];
  for (const [keyword, check] of Object.entries(keywords)) {
    const bound = s[keyword];
    if (bound === undefined) continue;
    need(valid(bound));
    checks.push({ check, bound } as Check);
  }
  return checks;
}

function stringChecks(s: Json): Check[] {
  const checks = boundChecks(s, { minLength: 'min_length', maxLength: 'max_length' }, isCount);
  // zod skips an empty pattern, as it matches every string anyway.
  if (s.pattern !== undefined && s.pattern !== '') {
    need(typeof s.pattern === 'string');
    let regex: RegExp;
    try {
      regex = new RegExp(s.pattern as string);
    } catch {
      throw new Unsupported();
    }
    checks.push({ check: 'pattern', regex });
  }
  return checks;
}

const BOUNDS = { minimum: 'gte', maximum: 'lte', exclusiveMinimum: 'gt', exclusiveMaximum: 'lt' } as const;

function numberChecks(s: Json): Check[] {
  const checks = boundChecks(s, BOUNDS, isBound);
  if (s.multipleOf !== undefined) {
    need(isBound(s.multipleOf) && (s.multipleOf as number) > 0);
    checks.push({ check: 'multiple_of', divisor: s.multipleOf as number });
  }
  return checks;
}

function objectNode(s: Json): SchemaNode {
  const props = s.properties ?? {};
  const required = s.required ?? [];
  need(isRecord(props) && Array.isArray(required) && required.every((k) => typeof k === 'string'));
  const requiredSet = new Set(required as string[]);
  const properties: PropertyNode[] = [];
  for (const [key, value] of Object.entries(props as Json)) {
    // A key an object inherits (`toString`, `__proto__`) reads oddly in zod: the consumer checks it.
    need(!(key in Object.prototype));
    const property = node(value);
    const required = requiredSet.has(key);
    properties.push({ key, node: property, required, optin: optIn(property, required) });
  }
  const extra = s.additionalProperties;
  const marked = s[STRIP_MARKER] === true;
  need(s[STRIP_MARKER] === undefined || marked);
  need(
    extra === undefined || typeof extra === 'boolean' || (isRecord(extra) && Object.keys(extra).length === 0),
  );
  need(!marked || extra === undefined);
  const unknownKeys = extra === false ? 'refuse' : marked ? 'strip' : 'keep';
  return { kind: 'object', properties, keys: new Set(properties.map((p) => p.key)), unknownKeys };
}

/** zod's `optin` of a property: `optional` when not required, `defaulted` when a default fills it. */
function optIn(node: SchemaNode, required: boolean): 'defaulted' | 'optional' | undefined {
  let own: 'defaulted' | 'optional' | undefined;
  if (node.kind === 'default') own = 'defaulted';
  else if (node.kind === 'union') {
    const rungs = node.options.map((o) => optIn(o, true));
    own = rungs.includes('defaulted') ? 'defaulted' : rungs.some(Boolean) ? 'optional' : undefined;
  }
  if (required) return own;
  return own === 'defaulted' ? 'defaulted' : 'optional';
}
