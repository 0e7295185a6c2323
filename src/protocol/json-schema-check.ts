/**
 * Checks a JSON value against a compiled schema (`json-schema-subset.ts`) the way zod parses it:
 * the same accept or refuse, the same value back (defaults filled in, object keys in zod's order,
 * unknown keys kept, dropped or refused as the object says) and the same issues, in zod's order,
 * with zod's rules for which checks still run after one failed. Values are what `JSON.parse`
 * gives. Pure: no I/O, no zod; `test/protocol/json-schema-check.test.ts` holds it to zod.
 */
import { type Issue, issues, prettifyIssues } from './json-schema-issues.js';
import type { Check, PropertyNode, SchemaNode } from './json-schema-subset.js';

/** A value under check and the issues raised so far (zod's parse payload). */
type Payload = { value: unknown; readonly issues: Issue[] };

/** What a check of one value gives: the value to use, or zod's prettified issues. */
export type CheckResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: string };

/** Check `value` against `node`. */
export function checkJson(node: SchemaNode, value: unknown): CheckResult {
  const result = run(node, value);
  return result.issues.length === 0
    ? { ok: true, value: result.value }
    : { ok: false, issues: prettifyIssues(result.issues) };
}

/** Whether an issue from `start` on stops the checks of its value. */
const stopped = (list: readonly Issue[], start = 0): boolean =>
  list.slice(start).some((issue) => issue.continue !== true);
/** Whether an issue stops even the length checks. */
const halted = (list: readonly Issue[]): boolean => list.some((issue) => issue.continue === false);

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function prefixed(key: string | number, list: readonly Issue[]): Issue[] {
  for (const issue of list) issue.path.unshift(key);
  return list as Issue[];
}

function run(node: SchemaNode, value: unknown): Payload {
  const payload: Payload = { value, issues: [] };
  switch (node.kind) {
    case 'any':
      return payload;
    case 'type':
      if (node.type === 'null' ? value !== null : typeof value !== 'boolean')
        payload.issues.push(issues.invalidType(node.type, value));
      return payload;
    case 'values':
      if (!(node.values as readonly unknown[]).includes(value))
        payload.issues.push(issues.invalidValue(node.values));
      return payload;
    case 'string':
      if (typeof value !== 'string') payload.issues.push(issues.invalidType('string', value));
      return runChecks(payload, node.checks);
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        payload.issues.push(issues.invalidType('number', value));
        return payload;
      }
      if (node.integer && !integerCheck(payload, value)) return payload;
      return runChecks(payload, node.checks);
    case 'array':
      return runArray(payload, node.item, node.checks);
    case 'object':
      return runObject(payload, node.properties, node.keys, node.unknownKeys);
    case 'union':
      return node.exclusive ? runExclusive(payload, node.options) : runUnion(payload, node.options);
    case 'default': {
      if (value === undefined) return { value: JSON.parse(node.valueText), issues: [] };
      const result = run(node.inner, value);
      if (result.value === undefined) result.value = JSON.parse(node.valueText);
      return result;
    }
  }
}

/** zod's integer check, which runs before every other number check; false when it stopped them. */
function integerCheck(payload: Payload, value: number): boolean {
  if (!Number.isInteger(value)) {
    payload.issues.push(issues.invalidType('int', value, false));
    return false;
  }
  if (value > Number.MAX_SAFE_INTEGER)
    payload.issues.push(issues.bound('big', 'int', Number.MAX_SAFE_INTEGER, true));
  if (value < Number.MIN_SAFE_INTEGER)
    payload.issues.push(issues.bound('small', 'int', Number.MIN_SAFE_INTEGER, true));
  return true;
}

/**
 * A node's checks in order. A check is skipped once an issue stopped the value, except the
 * length checks, which run on anything with a `length` unless an issue halted them.
 */
function runChecks(payload: Payload, checks: readonly Check[]): Payload {
  let isStopped = stopped(payload.issues);
  for (const check of checks) {
    if (check.check === 'min_length' || check.check === 'max_length') {
      const v = payload.value;
      if (halted(payload.issues) || v === null || v === undefined) continue;
      if ((v as { length?: unknown }).length === undefined) continue;
    } else if (isStopped) {
      continue;
    }
    const before = payload.issues.length;
    applyCheck(payload, check);
    if (!isStopped && payload.issues.length !== before) isStopped = stopped(payload.issues, before);
  }
  return payload;
}

/** Code points, as zod counts a string's length (a lone surrogate counts as one). */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

const lengthOrigin = (v: unknown) =>
  Array.isArray(v) ? 'array' : typeof v === 'string' ? 'string' : 'unknown';

/** Whether `value` is a multiple of `divisor` as zod decides it: within a few ulps of the ratio. */
export function isMultiple(value: number, divisor: number): boolean {
  const ratio = value / divisor;
  return Math.abs(ratio - Math.round(ratio)) < 4 * Number.EPSILON * Math.max(Math.abs(ratio), 1);
}

function applyCheck(payload: Payload, check: Check): void {
  const v = payload.value;
  switch (check.check) {
    case 'min_length':
    case 'max_length': {
      // `length` may be anything on an object that has such a key: compared as zod compares it.
      const units = (v as { length: unknown }).length as number;
      const length =
        typeof v === 'string' && units >= check.bound && units < 2 * check.bound ? codePoints(v) : units;
      const lengthMax = typeof v === 'string' && units > check.bound ? codePoints(v) : units;
      if (check.check === 'min_length' ? length >= check.bound : lengthMax <= check.bound) return;
      const side = check.check === 'min_length' ? 'small' : 'big';
      payload.issues.push(issues.bound(side, lengthOrigin(v), check.bound, true));
      return;
    }
    case 'pattern':
      if (!check.regex.test(v as string)) payload.issues.push(issues.pattern(check.regex));
      return;
    case 'gte':
    case 'gt':
      if (check.check === 'gte' ? (v as number) >= check.bound : (v as number) > check.bound) return;
      payload.issues.push(issues.bound('small', 'number', check.bound, check.check === 'gte'));
      return;
    case 'lte':
    case 'lt':
      if (check.check === 'lte' ? (v as number) <= check.bound : (v as number) < check.bound) return;
      payload.issues.push(issues.bound('big', 'number', check.bound, check.check === 'lte'));
      return;
    case 'multiple_of':
      if (!isMultiple(v as number, check.divisor)) payload.issues.push(issues.multipleOf(check.divisor));
      return;
  }
}

function runArray(payload: Payload, item: SchemaNode, checks: readonly Check[]): Payload {
  const input = payload.value;
  if (!Array.isArray(input)) {
    payload.issues.push(issues.invalidType('array', input));
    return runChecks(payload, checks);
  }
  // Past a leading maximum count, zod reports that alone and checks no item.
  for (const check of checks) {
    if (check.check !== 'min_length' && check.check !== 'max_length') break;
    if (check.check === 'max_length' && input.length > check.bound) {
      payload.issues.push({ ...issues.bound('big', 'array', check.bound, true), continue: false });
      return payload;
    }
  }
  const out: unknown[] = new Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const result = run(item, input[i]);
    payload.issues.push(...prefixed(i, result.issues));
    out[i] = result.value;
  }
  payload.value = out;
  return runChecks(payload, checks);
}

function runObject(
  payload: Payload,
  properties: readonly PropertyNode[],
  declared: ReadonlySet<string>,
  unknownKeys: 'strip' | 'keep' | 'refuse',
): Payload {
  const input = payload.value;
  if (!isObject(input)) {
    payload.issues.push(issues.invalidType('object', input));
    return payload;
  }
  const out: Record<string, unknown> = {};
  for (const { key, node, required, optin } of properties) {
    const present = Object.hasOwn(input, key);
    const optional = !required;
    let result: Payload;
    if (optional && !present) {
      if (optin !== 'defaulted') continue;
      const filled = run(node, undefined);
      result = { value: filled.issues.length ? undefined : filled.value, issues: [] };
    } else {
      result = run(node, input[key]);
    }
    if (result.issues.length) {
      if (optin !== undefined && optional && !present) continue;
      payload.issues.push(...prefixed(key, result.issues));
    }
    if (!present && optin === undefined) {
      if (!result.issues.length) payload.issues.push({ ...issues.missing(), path: [key] });
      continue;
    }
    if (result.value !== undefined) out[key] = result.value;
    else if (present || (optin === 'defaulted' && !optional)) out[key] = undefined;
  }
  const unrecognized: string[] = [];
  for (const key of Object.keys(input)) {
    if (declared.has(key)) continue;
    if (unknownKeys === 'refuse') unrecognized.push(key);
    else if (unknownKeys === 'keep' && key !== '__proto__') out[key] = input[key];
  }
  if (unrecognized.length) payload.issues.push(issues.unrecognizedKeys(unrecognized));
  payload.value = out;
  return payload;
}

/** `anyOf`: the first option that passes; else the one that got furthest, if only one did. */
function runUnion(payload: Payload, options: readonly SchemaNode[]): Payload {
  const results: Payload[] = [];
  for (const option of options) {
    const result = run(option, payload.value);
    if (result.issues.length === 0) return result;
    results.push(result);
  }
  const unstopped = results.filter((r) => !stopped(r.issues));
  if (unstopped.length === 1) return unstopped[0] as Payload;
  payload.issues.push(issues.union());
  return payload;
}

/** `oneOf`: exactly one option passes. */
function runExclusive(payload: Payload, options: readonly SchemaNode[]): Payload {
  const passed = options.map((o) => run(o, payload.value)).filter((r) => r.issues.length === 0);
  if (passed.length === 1) return { value: (passed[0] as Payload).value, issues: [] };
  payload.issues.push(passed.length === 0 ? issues.union() : issues.severalMatched());
  return payload;
}
