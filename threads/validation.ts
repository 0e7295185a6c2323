/**
 * Typed validation in the supervisor thread. Command schemas arrive as JSON Schema (zod schemas
 * cannot cross a thread); each is rebuilt once with zod and compiled for the row hot path.
 */
import { z } from 'zod';

type Checker = (value: unknown) => { ok: true; value: unknown } | { ok: false; issues: string };

const cache = new Map<string, Checker>();

/** A checker for `schema`, compiled once per distinct schema text. */
export function checkerFor(schema: object): Checker {
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
    checker = (value) => {
      const result = compiled.safeParse(value);
      return result.success
        ? { ok: true, value: result.data }
        : { ok: false, issues: z.prettifyError(result.error) };
    };
    if (cache.size > 256) cache.clear();
    cache.set(text, checker);
  }
  return checker;
}
