/**
 * The row hot path of a schema check: a compiled schema (`json-schema-subset.ts`) turned, once,
 * into closures that say whether a value passes and build the value zod gives back for a passing
 * one (defaults filled in, objects in zod's key order, unknown keys kept or dropped), with no
 * issue bookkeeping. Only a refused value goes through `json-schema-check.ts`, to say why; the
 * two agree on every verdict (`test/protocol/json-schema-check.test.ts`). Pure: no I/O, no zod.
 */
import { type CheckResult, checkJson, codePoints, isMultiple, isObject } from './json-schema-check.js';
import type { Check, JsonPrimitive, SchemaNode } from './json-schema-subset.js';

type Accepts = (value: unknown) => boolean;
/** The value zod gives for a value that passed; null when it is the value itself. */
type Produce = ((value: unknown) => unknown) | null;

/** The check of `node`: zod's verdict, value and, for a refused value, its issues. */
export function compileCheck(node: SchemaNode): (value: unknown) => CheckResult {
  const accepts = accepter(node);
  const produce = producer(node);
  return (value) => {
    if (!accepts(value)) return checkJson(node, value);
    return { ok: true, value: produce ? produce(value) : value };
  };
}

/** One check, on a value of the node's own type (a string, a number or an array). */
function checkFn(check: Check): (v: unknown) => boolean {
  switch (check.check) {
    case 'min_length': {
      const { bound } = check;
      return (v) => {
        const units = (v as { length: number }).length;
        if (typeof v !== 'string' || units >= 2 * bound) return units >= bound;
        return units >= bound && codePoints(v) >= bound;
      };
    }
    case 'max_length': {
      const { bound } = check;
      return (v) =>
        (v as { length: number }).length <= bound || (typeof v === 'string' && codePoints(v) <= bound);
    }
    case 'pattern': {
      const { regex } = check;
      return (v) => regex.test(v as string);
    }
    case 'gte':
      return (v) => (v as number) >= check.bound;
    case 'gt':
      return (v) => (v as number) > check.bound;
    case 'lte':
      return (v) => (v as number) <= check.bound;
    case 'lt':
      return (v) => (v as number) < check.bound;
    case 'multiple_of':
      return (v) => isMultiple(v as number, check.divisor);
  }
}

function allOf(checks: readonly Check[]): (v: unknown) => boolean {
  const fns = checks.map(checkFn);
  // Plain loops here and below: these run per row on the supervisor thread, and
  // `every` with a closure measured ~15% slower per row check.
  return (v) => {
    for (const fn of fns) if (!fn(v)) return false;
    return true;
  };
}

function accepter(node: SchemaNode): Accepts {
  switch (node.kind) {
    case 'any':
      return () => true;
    case 'type':
      return node.type === 'null' ? (v) => v === null : (v) => typeof v === 'boolean';
    case 'values': {
      const values = new Set<unknown>(node.values as readonly JsonPrimitive[]);
      return (v) => values.has(v);
    }
    case 'string': {
      const checks = allOf(node.checks);
      return (v) => typeof v === 'string' && checks(v);
    }
    case 'number': {
      const checks = allOf(node.checks);
      const integer = node.integer;
      return (v) =>
        typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isSafeInteger(v)) && checks(v);
    }
    case 'array': {
      const item = accepter(node.item);
      const checks = allOf(node.checks);
      return (v) => {
        if (!Array.isArray(v) || !checks(v)) return false;
        for (const element of v) if (!item(element)) return false;
        return true;
      };
    }
    case 'object': {
      const properties = node.properties.map((p) => ({
        key: p.key,
        accepts: accepter(p.node),
        absentOk: !p.required || p.optin === 'defaulted',
      }));
      const { keys } = node;
      const refuse = node.unknownKeys === 'refuse';
      return (v) => {
        if (!isObject(v)) return false;
        for (const p of properties) {
          if (Object.hasOwn(v, p.key) ? !p.accepts(v[p.key]) : !p.absentOk) return false;
        }
        if (refuse) for (const key in v) if (!keys.has(key)) return false;
        return true;
      };
    }
    case 'union': {
      const options = node.options.map(accepter);
      if (node.exclusive) return (v) => options.filter((o) => o(v)).length === 1;
      return (v) => options.some((o) => o(v));
    }
    case 'default': {
      const inner = accepter(node.inner);
      return (v) => v === undefined || inner(v);
    }
  }
}

/**
 * Whether `input`'s own keys are exactly the properties it has, in their order, with no default
 * to fill in: then the object zod builds for it has the same keys in the same order.
 */
function inOrder(
  input: Record<string, unknown>,
  properties: readonly { readonly key: string; readonly absent: Produce }[],
): boolean {
  let at = 0;
  for (const key in input) {
    while (at < properties.length && properties[at]!.key !== key) {
      const skipped = properties[at]!;
      if (skipped.absent || Object.hasOwn(input, skipped.key)) return false;
      at += 1;
    }
    if (at === properties.length) return false;
    at += 1;
  }
  for (; at < properties.length; at++) if (properties[at]!.absent) return false;
  return true;
}

function producer(node: SchemaNode): Produce {
  switch (node.kind) {
    case 'array': {
      const item = producer(node.item);
      return item && ((v) => (v as unknown[]).map(item));
    }
    case 'object': {
      const properties = node.properties.map((p) => ({
        key: p.key,
        produce: producer(p.node),
        // Absent, it takes the default, or stays absent.
        absent: p.optin === 'defaulted' ? producer(p.node) : null,
      }));
      const { keys } = node;
      const keep = node.unknownKeys === 'keep';
      const flat = properties.every((p) => p.produce === null);
      return (v) => {
        const input = v as Record<string, unknown>;
        // Already what zod gives (its keys, in its order, unchanged): the value itself.
        if (flat && inOrder(input, properties)) return input;
        const out: Record<string, unknown> = {};
        for (const p of properties) {
          if (Object.hasOwn(input, p.key)) out[p.key] = p.produce ? p.produce(input[p.key]) : input[p.key];
          else if (p.absent) out[p.key] = p.absent(undefined);
        }
        if (keep) for (const key in input) if (!keys.has(key) && key !== '__proto__') out[key] = input[key];
        return out;
      };
    }
    case 'union': {
      const options = node.options.map((o) => ({ accepts: accepter(o), produce: producer(o) }));
      if (options.every((o) => o.produce === null)) return null;
      return (v) => {
        for (const o of options) if (o.accepts(v)) return o.produce ? o.produce(v) : v;
        return v;
      };
    }
    case 'default': {
      const inner = producer(node.inner);
      const { valueText } = node;
      return (v) => (v === undefined ? JSON.parse(valueText) : inner ? inner(v) : v);
    }
    default:
      return null;
  }
}
