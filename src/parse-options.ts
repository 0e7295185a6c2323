/**
 * The one way options are validated: a strict zod schema parsed once at the boundary, a failure
 * thrown as `INVALID_OPTIONS` whose facts list each issue as `{ path, code, message }` (the same
 * shape for pool, builder, planner, acquire, close and command options).
 */
import type { z } from 'zod';
import { ErrorCode, InvalidOptionsError } from './errors.js';

/** One failed option. */
export type OptionIssue = { readonly path: string; readonly code: string; readonly message: string };

/** Throw the `INVALID_OPTIONS` error of `what` (e.g. "pool options") that lists `issues`. */
export function invalidOptions(what: string, issues: readonly OptionIssue[], cause?: unknown): never {
  throw new InvalidOptionsError(
    ErrorCode.INVALID_OPTIONS,
    `invalid ${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    { facts: { issues }, cause },
  );
}

/** The issues of a zod error, in the shape `INVALID_OPTIONS` facts carry. */
export function optionIssues(error: z.ZodError): OptionIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
}

/**
 * A schema built on its first use and kept: building zod schemas costs import time, so the
 * option modules build theirs when the first constructor parses options.
 */
export function lazySchema<S>(build: () => S): () => S {
  let built: { readonly schema: S } | undefined;
  return () => {
    built ??= { schema: build() };
    return built.schema;
  };
}

/** `input` parsed by `schema`, or the `INVALID_OPTIONS` error of `what`. */
export function parseOptions<Out>(
  schema: { safeParse(input: unknown): z.ZodSafeParseResult<Out> },
  input: unknown,
  what: string,
): Out {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  return invalidOptions(what, optionIssues(parsed.error), parsed.error);
}
