/**
 * Typed validation in the supervisor thread. Command schemas arrive as JSON Schema (zod schemas
 * cannot cross a thread), with what the main thread decided about them (`src/thread-schema.ts`):
 * only schemas in the subset `src/protocol/json-schema-subset.ts` compiles come here, and each is
 * compiled once (`json-schema-accept.ts`, the passing path; `json-schema-check.ts`, the issues of
 * a refused value), which gives zod's verdict, value and issues without zod. The thread never loads zod: it would cost every supervisor
 * thread, so every pool worker, about 5 MiB (`bench/thread-rss.ts`).
 */
import { compileCheck } from '../src/protocol/json-schema-accept.js';
import type { CheckResult } from '../src/protocol/json-schema-check.js';
import { compileJsonSchema } from '../src/protocol/json-schema-subset.js';
import type { ThreadSchema } from '../src/protocol/port-messages.js';

/** A compiled check; `preservesValue` when a passing value comes back deep-equal to its input. */
export interface Checker {
  (value: unknown): CheckResult;
  readonly preservesValue: boolean;
}

const cache = new Map<string, Checker>();
/** Schemas arrive as the same object request after request (`request-refs.ts`). */
const byObject = new WeakMap<object, Checker>();

/** A checker for `schema`, compiled once per distinct schema text. */
export function checkerFor(schema: ThreadSchema): Checker {
  let checker = byObject.get(schema);
  if (checker) return checker;
  const { json, preservesValue } = schema;
  const text = `${preservesValue}${JSON.stringify(json)}`;
  checker = cache.get(text);
  if (!checker) {
    const node = compileJsonSchema(json);
    // The main thread sends only schemas that compile (`toThreadSchema`).
    if (!node) throw new Error('a thread schema outside the checked JSON Schema subset');
    checker = Object.assign(compileCheck(node), { preservesValue });
    if (cache.size > 256) cache.clear();
    cache.set(text, checker);
  }
  byObject.set(schema, checker);
  return checker;
}
