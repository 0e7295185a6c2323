/**
 * Typed validation in the supervisor thread. Command schemas arrive as JSON Schema (zod schemas
/**
 * Typed validation in the supervisor thread. Command schemas arrive as JSON Schema (zod schemas
 * cannot cross a thread), with what the main thread decided about them (`src/thread-schema.ts`);
 * each is rebuilt once with zod and compiled for the row hot path.
 *
 * zod is loaded when the first schema is checked, not with the thread: it costs a thread about
 * 4 MiB of heap, and a pool pays the thread once per worker. It is required (its CommonJS build,
 * synchronously) so that a request is checked exactly when it would have been with zod loaded.
 */
import { createRequire } from 'node:module';
import type { z as Zod } from 'zod';
import { STRIP_MARKER, type ThreadSchema } from '../src/protocol/port-messages.js';

const require = createRequire(import.meta.url);
let zod: typeof Zod | null = null;

/** zod, loaded on first use. */
function loadedZod(): typeof Zod {
  zod ??= (require('zod') as { z: typeof Zod }).z;
  return zod;
}

/** A compiled check; `preservesValue` when a passing value comes back deep-equal to its input. */
export interface Checker {
  (value: unknown): { ok: true; value: unknown } | { ok: false; issues: string };
  readonly preservesValue: boolean;
}

type JsonSchemaNode = {
  readonly [STRIP_MARKER]?: boolean;
  readonly properties?: Record<string, JsonSchemaNode>;
  readonly items?: JsonSchemaNode;
  readonly anyOf?: readonly JsonSchemaNode[];
  readonly type?: unknown;
};

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Remove the unknown keys of every object `node` marks, in place (the value is the thread's own). */
function strip(value: unknown, node: JsonSchemaNode | undefined): void {
  if (!node || value === null || typeof value !== 'object') return;
  if (node.anyOf) {
    const branches = node.anyOf.filter((b) => b.type !== 'null');
    if (branches.length === 1) strip(value, branches[0]);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) strip(item, node.items);
    return;
  }
  if (!isRecord(value) || !node.properties) return;
  for (const key of Object.keys(value)) {
    const property = Object.hasOwn(node.properties, key) ? node.properties[key] : undefined;
    if (property) strip(value[key], property);
    else if (node[STRIP_MARKER]) delete value[key];
  }
}

const cache = new Map<string, Checker>();
/** Schemas arrive as the same object request after request (`request-refs.ts`). */
const byObject = new WeakMap<object, Checker>();

/** A checker for `schema`, compiled once per distinct schema text. */
export function checkerFor(schema: ThreadSchema): Checker {
  let checker = byObject.get(schema);
  if (!checker) {
    checker = checkerForText(schema);
    byObject.set(schema, checker);
  }
  return checker;
}

function checkerForText({ json: schema, preservesValue }: ThreadSchema): Checker {
  const text = `${preservesValue}${JSON.stringify(schema)}`;
  let checker = cache.get(text);
  if (!checker) {
    const z = loadedZod();
    const rebuilt = z.fromJSONSchema(schema as Parameters<typeof Zod.fromJSONSchema>[0]);
    let compiled: { safeParse(v: unknown): Zod.ZodSafeParseResult<unknown> } = rebuilt;
    try {
      compiled = z.compile(rebuilt);
    } catch {
      // Not every rebuilt schema compiles; the runtime parser gives identical results.
    }
    const stripping = text.includes(`"${STRIP_MARKER}"`);
    const check = (value: unknown) => {
      const result = compiled.safeParse(value);
      if (!result.success) return { ok: false, issues: z.prettifyError(result.error) } as const;
      if (stripping) strip(result.data, schema as JsonSchemaNode);
      return { ok: true, value: result.data } as const;
    };
    checker = Object.assign(check, { preservesValue });
    if (cache.size > 256) cache.clear();
    cache.set(text, checker);
  }
  return checker;
}
