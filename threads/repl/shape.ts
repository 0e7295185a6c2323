/**
 * Exact parsers for JSON-shaped values, for the repl protocol's shapes (`schemas.ts`). A parser
 * returns its output or {@link INVALID}, and records why in `issues`. What they accept:
 * - an object is any non-null, non-array object; a field is read as `value[key]`;
 * - an optional field is absent or `undefined`; a key the input has is kept in the output (with
 *   `undefined` when it was `undefined`), an absent one stays absent;
 * - a loose object drops keys it does not name; a strict one refuses them (its own and inherited
 *   enumerable keys);
 * - a natural number is a safe integer >= 0; an array is read index by index, holes included.
 */

export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

/** Parse `value` (found at `at`), returning the output or {@link INVALID} with `issues` added. */
export type Parse<T> = (value: unknown, at: string, issues: string[]) => T | Invalid;

function refuse(issues: string[], at: string, what: string): Invalid {
  issues.push(at === '' ? what : `${at}: ${what}`);
  return INVALID;
}

export const string: Parse<string> = (v, at, issues) =>
  typeof v === 'string' ? v : refuse(issues, at, 'expected a string');

export const boolean: Parse<boolean> = (v, at, issues) =>
  typeof v === 'boolean' ? v : refuse(issues, at, 'expected a boolean');

export const nat: Parse<number> = (v, at, issues) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
    ? v
    : refuse(issues, at, 'expected a nonnegative integer');

export const unknownValue: Parse<unknown> = (v) => v;

export function oneOf<const T extends string>(values: readonly T[]): Parse<T> {
  return (v, at, issues) => {
    const found = values.find((x) => x === v);
    return found === undefined ? refuse(issues, at, `expected one of ${values.join(', ')}`) : found;
  };
}

export function nullable<T>(parse: Parse<T>): Parse<T | null> {
  return (v, at, issues) => (v === null ? null : parse(v, at, issues));
}

export function array<T>(parse: Parse<T>): Parse<T[]> {
  return (v, at, issues) => {
    if (!Array.isArray(v)) return refuse(issues, at, 'expected an array');
    const out: T[] = [];
    let ok = true;
    for (let i = 0; i < v.length; i += 1) {
      const item = parse(v[i], `${at}[${i}]`, issues);
      if (item === INVALID) ok = false;
      else out.push(item);
    }
    return ok ? out : INVALID;
  };
}

/** One field of an object shape: its parser and whether it may be absent or `undefined`. */
export interface Field<T, O extends boolean = boolean> {
  readonly parse: Parse<T>;
  readonly optional: O;
}

export const required = <T>(parse: Parse<T>): Field<T, false> => ({ parse, optional: false });
export const optional = <T>(parse: Parse<T>): Field<T, true> => ({ parse, optional: true });

type FieldValue<F> = F extends Field<infer T> ? T : never;
type Fields = Readonly<Record<string, Field<unknown>>>;

/** What an object shape parses to: its required fields, and its optional ones (absent or `undefined`). */
export type ObjectOf<S extends Fields> = {
  -readonly [K in keyof S as S[K] extends Field<unknown, false> ? K : never]: FieldValue<S[K]>;
} & {
  -readonly [K in keyof S as S[K] extends Field<unknown, false> ? never : K]?: FieldValue<S[K]> | undefined;
};

/** What a parser gives. */
export type Parsed<P> = P extends Parse<infer T> ? T : never;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object with exactly the shape's fields in its output; `strict` refuses other keys. */
export function object<S extends Fields>(shape: S, strict = false): Parse<ObjectOf<S>> {
  const fields: [string, Field<unknown>][] = Object.entries(shape);
  const known = new Set(fields.map(([key]) => key));
  return (v, at, issues) => {
    if (!isRecord(v)) return refuse(issues, at, 'expected an object');
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [key, field] of fields) {
      const value = v[key];
      const where = at === '' ? key : `${at}.${key}`;
      if (value === undefined && field.optional) {
        if (key in v) out[key] = undefined;
        continue;
      }
      const parsed = field.parse(value, where, issues);
      if (parsed === INVALID) ok = false;
      else out[key] = parsed;
    }
    if (strict) {
      for (const key in v) {
        if (!known.has(key)) ok = refuse(issues, at, `unknown key "${key}"`) !== INVALID;
      }
    }
    // Every field of the shape was checked into `out`, and nothing else is in it.
    return ok ? (out as ObjectOf<S>) : INVALID;
  };
}

/** The first parser that accepts `v`; else the issues of the one that came closest. */
export function union<const P extends readonly Parse<unknown>[]>(parsers: P): Parse<Parsed<P[number]>> {
  return (v, at, issues) => {
    let closest: string[] | undefined;
    for (const parse of parsers) {
      const own: string[] = [];
      const out = parse(v, at, own);
      if (out !== INVALID) return out as Parsed<P[number]>;
      if (closest === undefined || own.length < closest.length) closest = own;
    }
    issues.push(...(closest ?? []));
    return INVALID;
  };
}

/** Run a parser from the top: `{ success, data }` or `{ success: false, issues }`. */
export function parseWith<T>(
  parse: Parse<T>,
  value: unknown,
): { success: true; data: T } | { success: false; issues: string[] } {
  const issues: string[] = [];
  const data = parse(value, '', issues);
  return data === INVALID ? { success: false, issues } : { success: true, data };
}
