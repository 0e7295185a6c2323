/**
 * Typed validation in the supervisor thread. Command schemas arrive as JSON Schema (zod schemas
 * cannot cross a thread); each is rebuilt once with zod and compiled for the row hot path.
 */
import { z } from 'zod';

/** A compiled check; `preservesValue` when a passing value comes back deep-equal to its input. */
export interface Checker {
  (value: unknown): { ok: true; value: unknown } | { ok: false; issues: string };
  readonly preservesValue: boolean;
}

/**
 * Whether a rebuilt schema returns its input unchanged. Rebuilt objects keep unknown keys, and
 * JSON Schema has no transforms, so only defaults change a value. The test is conservative: a
 * property that happens to be named `default` also counts.
 */
function preservesValue(schemaText: string): boolean {
  return !schemaText.includes('"default"') && !schemaText.includes('"prefault"');
}

const cache = new Map<string, Checker>();
/** Schemas arrive as the same object request after request (`request-refs.ts`). */
const byObject = new WeakMap<object, Checker>();

/** A checker for `schema`, compiled once per distinct schema text. */
export function checkerFor(schema: object): Checker {
  let checker = byObject.get(schema);
  if (!checker) {
    checker = checkerForText(schema);
    byObject.set(schema, checker);
  }
  return checker;
}

function checkerForText(schema: object): Checker {
  const text = JSON.stringify(schema);
  let checker = cache.get(text);
  if (!checker) {
    const rebuilt = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    let compiled: { safeParse(v: unknown): z.ZodSafeParseResult<unknown> } = rebuilt;
    try {
      compiled = z.compile(rebuilt);
    } catch {
      // Not every rebuilt schema compiles; the runtime parser gives identical results.
    }
    const check = (value: unknown) => {
      const result = compiled.safeParse(value);
      return result.success
        ? ({ ok: true, value: result.data } as const)
        : ({ ok: false, issues: z.prettifyError(result.error) } as const);
    };
    checker = Object.assign(check, { preservesValue: preservesValue(text) });
    if (cache.size > 256) cache.clear();
    cache.set(text, checker);
  }
  return checker;
}
