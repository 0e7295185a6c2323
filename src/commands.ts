/**
 * Typed commands: a Lean export name plus zod schemas for its request, response, rows and summary.
 * Schemas that JSON Schema can express are checked in the supervisor thread (off the main event
 * loop); schemas with transforms or refinements are checked where the rows are consumed.
 */
import { z } from 'zod';
import { ErrorCode, makeError } from './errors.js';

/** A schema as JSON Schema for the supervisor, or null when it must be checked by the consumer. */
function toThreadSchema(schema: z.ZodType): object | null {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', cycles: 'throw' });
  } catch {
    return null;
  }
}

function checkName(exportName: unknown): string {
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw makeError(ErrorCode.INVALID_ARGUMENT, 'a command needs a non-empty export name', {
      facts: { export: exportName },
    });
  }
  return exportName;
}

/** A `String -> IO String` export with a typed request and response. */
export interface LeanWorkerJsonCommand<Req, Resp> {
  readonly kind: 'json';
  readonly export: string;
  readonly request: z.ZodType<Req>;
  readonly response: z.ZodType<Resp>;
  /** JSON Schema of the response for the supervisor, null if checked on the main side. */
  readonly responseThreadSchema: object | null;
}

/** A streaming export (`String -> USize -> USize -> IO UInt8`) with typed rows and summary metadata. */
export interface LeanWorkerStreamingCommand<Req, Row, Summary> {
  readonly kind: 'stream';
  readonly export: string;
  readonly request: z.ZodType<Req>;
  readonly row: z.ZodType<Row>;
  readonly summary: z.ZodType<Summary>;
  readonly rowThreadSchema: object | null;
  readonly summaryThreadSchema: object | null;
}

/** Define a typed JSON command. */
export function defineJsonCommand<Req, Resp>(definition: {
  export: string;
  request: z.ZodType<Req>;
  response: z.ZodType<Resp>;
}): LeanWorkerJsonCommand<Req, Resp> {
  return Object.freeze({
    kind: 'json' as const,
    export: checkName(definition.export),
    request: definition.request,
    response: definition.response,
    responseThreadSchema: toThreadSchema(definition.response),
  });
}

/** Define a typed streaming command. */
export function defineStreamingCommand<Req, Row, Summary>(definition: {
  export: string;
  request: z.ZodType<Req>;
  row: z.ZodType<Row>;
  summary: z.ZodType<Summary>;
}): LeanWorkerStreamingCommand<Req, Row, Summary> {
  return Object.freeze({
    kind: 'stream' as const,
    export: checkName(definition.export),
    request: definition.request,
    row: definition.row,
    summary: definition.summary,
    rowThreadSchema: toThreadSchema(definition.row),
    summaryThreadSchema: toThreadSchema(definition.summary),
  });
}

/** Encode a request with its schema; a mismatch is a typed REQUEST_ENCODE error. */
export function encodeCommandRequest<Req>(
  exportName: string,
  schema: z.ZodType<Req>,
  request: unknown,
): string {
  const parsed = schema.safeParse(request);
  if (!parsed.success) {
    throw makeError(ErrorCode.REQUEST_ENCODE, `request for ${exportName} does not match its schema`, {
      facts: { export: exportName, issues: z.prettifyError(parsed.error) },
    });
  }
  return JSON.stringify(parsed.data);
}

/** Validate on the consumer side; throws a typed error naming what failed. */
export function decodeWith<T>(
  code: typeof ErrorCode.ROW_DECODE | typeof ErrorCode.SUMMARY_DECODE | typeof ErrorCode.RESPONSE_DECODE,
  schema: z.ZodType<T>,
  value: unknown,
  facts: Record<string, unknown>,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw makeError(code, 'value does not match the command schema', {
      facts: { ...facts, issues: z.prettifyError(parsed.error) },
    });
  }
  return parsed.data;
}
