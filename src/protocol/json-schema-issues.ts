/**
 * The issues a failed check raises and the text they become: the messages and the layout of
 * zod's English locale and `z.prettifyError`, so a `ROW_DECODE`, `SUMMARY_DECODE` or
 * `RESPONSE_DECODE` failure checked by `json-schema-check.ts` carries the `issues` fact it
 * carried when zod checked the rows. Pure: no I/O, no zod.
 */
import type { JsonPrimitive } from './json-schema-subset.js';

/**
 * One issue, with zod's `continue` flag: absent stops the checks of the value it was raised on,
 * `true` lets them run, `false` also stops the length checks that zod runs after a type miss.
 */
export interface Issue {
  readonly message: string;
  readonly path: (string | number)[];
  readonly continue?: boolean;
}

/** zod's name for the type of a JSON value. */
const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;

const primitive = (value: JsonPrimitive): string => (typeof value === 'string' ? `"${value}"` : `${value}`);

/** An issue after which the other checks of its value still run. */
const soft = (message: string): Issue => ({ message, path: [], continue: true });

const SIZED: Readonly<Record<string, string>> = { string: 'characters', array: 'items' };

export const issues = {
  invalidType: (expected: string, input: unknown, stops?: false): Issue => ({
    message: `Invalid input: expected ${expected}, received ${typeName(input)}`,
    path: [],
    ...(stops === false ? { continue: false } : {}),
  }),
  invalidValue: (values: readonly JsonPrimitive[]): Issue => ({
    message:
      values.length === 1
        ? `Invalid input: expected ${primitive(values[0] as JsonPrimitive)}`
        : `Invalid option: expected one of ${values.map(primitive).join('|')}`,
    path: [],
  }),
  /** A bound missed: `origin` is what was measured (`string`, `array`, `number`, `int`, `unknown`). */
  bound: (side: 'small' | 'big', origin: string, bound: number, inclusive: boolean): Issue => {
    const relation = side === 'small' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
    const unit = SIZED[origin];
    const expected = unit ? `to have ${relation}${bound} ${unit}` : `to be ${relation}${bound}`;
    return soft(`${side === 'small' ? 'Too small' : 'Too big'}: expected ${origin} ${expected}`);
  },
  pattern: (regex: RegExp): Issue => soft(`Invalid string: must match pattern ${regex}`),
  multipleOf: (divisor: number): Issue => soft(`Invalid number: must be a multiple of ${divisor}`),
  unrecognizedKeys: (keys: readonly string[]): Issue =>
    soft(`Unrecognized key${keys.length > 1 ? 's' : ''}: ${keys.map((k) => `"${k}"`).join(', ')}`),
  missing: (): Issue => ({ message: 'Invalid input: expected nonoptional, received undefined', path: [] }),
  union: (): Issue => ({ message: 'Invalid input', path: [] }),
  severalMatched: (): Issue => ({ message: 'Invalid input: more than one option matched', path: [] }),
};

/** A path as zod prints it: `a.b[0]["odd key"]`. */
function dotPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/[^\w$]/.test(segment)) text += `[${JSON.stringify(segment)}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

/** The issues as `z.prettifyError` lays them out: shortest path first, one `✖` line each. */
export function prettifyIssues(list: readonly Issue[]): string {
  const lines: string[] = [];
  for (const issue of [...list].sort((a, b) => a.path.length - b.path.length)) {
    lines.push(`✖ ${issue.message}`);
    if (issue.path.length) lines.push(`  → at ${dotPath(issue.path)}`);
  }
  return lines.join('\n');
}
