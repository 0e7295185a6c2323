/**
 * Typed commands: a Lean export name plus zod schemas for its request, response, rows and summary.
 * A schema the supervisor thread can check faithfully (`thread-schema.ts`) is checked there, off
 * the main event loop; any other is checked where the rows are consumed, with the schema itself.
 * Either way the value a consumer gets is exactly `schema.parse(payload)`.
 */
import { z } from 'zod';
import { ErrorCode, invalidArgument, makeError } from './errors.js';
import type { LeanWorkerDataRow, StreamSummaryData, ThreadSchema } from './protocol/port-messages.js';
import { toThreadSchema } from './thread-schema.js';

/** An export name as a lease sends it: a non-empty string, else INVALID_ARGUMENT. */
export function checkExportName(exportName: unknown): string {
  if (typeof exportName !== 'string' || exportName.length === 0) {
    throw makeError(ErrorCode.INVALID_ARGUMENT, 'a command needs a non-empty export name', {
      facts: { export: typeof exportName === 'string' ? exportName : typeof exportName },
    });
  }
  return exportName;
}

/**
 * A zod 4 schema, recognised by shape rather than `instanceof`: the application's zod may be
 * another copy than the one this package resolves (ESM and CommonJS builds, two versions).
 */
function isZodSchema(value: unknown): value is z.ZodType {
  return (
    typeof value === 'object' &&
    value !== null &&
    '_zod' in value &&
    typeof (value as { safeParse?: unknown }).safeParse === 'function'
  );
}

/** The definition itself and each named schema must be there: refused at definition time. */
function checkDefinition(definition: unknown, schemas: readonly string[]): void {
  if (typeof definition !== 'object' || definition === null)
    throw invalidArgument('a command definition must be an object', 'definition', definition);
  const d = definition as Record<string, unknown>;
  for (const name of schemas) {
    if (!isZodSchema(d[name])) {
      throw makeError(ErrorCode.INVALID_ARGUMENT, `a command definition needs a zod schema for ${name}`, {
        facts: { argument: name, export: typeof d.export === 'string' ? d.export : null },
      });
    }
  }
}

/**
 * A `String -> IO String` export with a typed request and response. `Req` is what a caller
 * passes (the request schema's input type: fields with defaults are optional), `Resp` what it
 * gets back (the response schema's output type).
 */
export interface LeanWorkerJsonCommand<Req, Resp> {
  readonly kind: 'json';
  readonly export: string;
  readonly request: z.ZodType<unknown, Req>;
  readonly response: z.ZodType<Resp>;
  /** JSON Schema of the response for the supervisor, null if checked on the main side. */
  readonly responseThreadSchema: ThreadSchema | null;
}

/**
 * A streaming export (`String -> USize -> USize -> IO UInt8`) with typed rows and summary
 * metadata. `Req` is the request schema's input type; `Row` and `Summary` are output types.
 */
export interface LeanWorkerStreamingCommand<Req, Row, Summary> {
  readonly kind: 'stream';
  readonly export: string;
  readonly request: z.ZodType<unknown, Req>;
  readonly row: z.ZodType<Row>;
  readonly summary: z.ZodType<Summary>;
  readonly rowThreadSchema: ThreadSchema | null;
  readonly summaryThreadSchema: ThreadSchema | null;
}

/** Define a typed JSON command from the export's name and zod schemas of its request and response. */
export function defineJsonCommand<
  RequestSchema extends z.ZodType,
  ResponseSchema extends z.ZodType,
>(definition: {
  export: string;
  request: RequestSchema;
  response: ResponseSchema;
}): LeanWorkerJsonCommand<z.input<RequestSchema>, z.output<ResponseSchema>> {
  checkDefinition(definition, ['request', 'response']);
  return Object.freeze({
    kind: 'json' as const,
    export: checkExportName(definition.export),
    request: definition.request as z.ZodType<unknown, z.input<RequestSchema>>,
    response: definition.response as z.ZodType<z.output<ResponseSchema>>,
    responseThreadSchema: toThreadSchema(definition.response),
  });
}

/** Define a typed streaming command from the export's name and zod schemas of its request, rows and summary. */
export function defineStreamingCommand<
  RequestSchema extends z.ZodType,
  RowSchema extends z.ZodType,
  SummarySchema extends z.ZodType,
>(definition: {
  export: string;
  request: RequestSchema;
  row: RowSchema;
  summary: SummarySchema;
}): LeanWorkerStreamingCommand<z.input<RequestSchema>, z.output<RowSchema>, z.output<SummarySchema>> {
  checkDefinition(definition, ['request', 'row', 'summary']);
  return Object.freeze({
    kind: 'stream' as const,
    export: checkExportName(definition.export),
    request: definition.request as z.ZodType<unknown, z.input<RequestSchema>>,
    row: definition.row as z.ZodType<z.output<RowSchema>>,
    summary: definition.summary as z.ZodType<z.output<SummarySchema>>,
    rowThreadSchema: toThreadSchema(definition.row),
    summaryThreadSchema: toThreadSchema(definition.summary),
  });
}

/**
 * Encode a request with its schema: a mismatch is REQUEST_ENCODE; a value with no JSON text
 * (`undefined`, a function, a BigInt, a cycle, a throwing `toJSON`, nesting too deep to
 * serialise) is INVALID_ARGUMENT. Either way nothing is sent.
 */
export function encodeCommandRequest(exportName: string, schema: z.ZodType, request: unknown): string {
  const parsed = schema.safeParse(request);
  if (!parsed.success) {
    throw makeError(ErrorCode.REQUEST_ENCODE, `request for ${exportName} does not match its schema`, {
      facts: { export: exportName, issues: z.prettifyError(parsed.error) },
    });
  }
  return requestJson(parsed.data, exportName);
}

/** The JSON text of a request, or INVALID_ARGUMENT when it has none. */
export function requestJson(value: unknown, exportName: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw makeError(ErrorCode.INVALID_ARGUMENT, `request for ${exportName} cannot be written as JSON`, {
      facts: { export: exportName, reason: (error as Error).name },
      cause: error,
    });
  }
  if (typeof text !== 'string') {
    throw makeError(ErrorCode.INVALID_ARGUMENT, `request for ${exportName} has no JSON value`, {
      facts: { export: exportName, reason: typeof value },
    });
  }
  return text;
}

/** The command a lease is asked to run must be one `define*Command` made, of the right kind. */
export function checkCommand(command: unknown, kind: 'json' | 'stream'): void {
  const c = command as { kind?: unknown; export?: unknown } | null;
  if (typeof c !== 'object' || c === null || c.kind !== kind || typeof c.export !== 'string') {
    const maker = kind === 'json' ? 'defineJsonCommand' : 'defineStreamingCommand';
    throw invalidArgument(`expected a command made by ${maker}`, 'command', c);
  }
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

/**
 * How a streaming command's rows and summary are decoded on the consumer side: by a lease, only
 * what the supervisor cannot check (`threadChecks`); by a cluster client, everything.
 */
export function streamDecoders<Row, Summary>(
  command: LeanWorkerStreamingCommand<unknown, Row, Summary>,
  threadChecks = true,
) {
  const exportName = command.export;
  const schemas = threadChecks
    ? { row: command.rowThreadSchema, summary: command.summaryThreadSchema }
    : { row: null, summary: null };
  return {
    schemas,
    decodeRow: schemas.row
      ? undefined
      : <R extends LeanWorkerDataRow>(row: R) => ({
          ...row,
          payload: decodeWith(ErrorCode.ROW_DECODE, command.row, row.payload, {
            export: exportName,
            stream: row.stream,
            sequence: row.sequence,
          }),
        }),
    decodeSummary: (s: StreamSummaryData) => ({
      ...s,
      metadata:
        schemas.summary || s.metadata === null
          ? (s.metadata as Summary | null)
          : decodeWith(ErrorCode.SUMMARY_DECODE, command.summary, s.metadata, { export: exportName }),
    }),
  };
}
