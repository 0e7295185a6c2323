/**
 * What a child exports, mirroring the Lean ABI: a streaming export takes the request JSON text
 * and an `emit` callback and returns a status byte; a string export (JSON command, capability
 * metadata, capability doctor) takes the request JSON text and returns JSON text. The builders
 * below add an ergonomic layer (async generators, parsed JSON) on top of that ABI.
 */
import type { ChildSession } from './sessions.js';

/**
 * Hand one envelope string (see `row`, `diagnostic`, `progress`, `metadata`) to the child.
 * Returns 0 to continue or 4 (stop) after a malformed envelope or a failed write; returns a
 * promise while the output pipe is full. Await it: that is how the parent paces the export.
 */
export type EmitFn = (envelope: string) => number | Promise<number>;

/** Facts and controls an export receives besides its request. */
export interface ExportContext {
  /** The export name the request named. */
  readonly exportName: string;
  /** The session the child currently serves, if one is open. */
  readonly session: ChildSession | undefined;
  /** Resolve once every frame emitted so far reached the pipe (call before exiting on purpose). */
  flush(): Promise<void>;
}

interface ExportOptions {
  /** Answer `lean_rs.worker.session_missing` when no session is open. Defaults to the child's `requireSession`. */
  readonly needsSession?: boolean;
}

/**
 * A streaming export (`String, USize, USize -> IO UInt8` in Lean). The returned status byte is
 * decoded as the original child does: 0 success; 1-4 callback statuses (`stream_callback_failed`);
 * anything else `stream_export_failed`. `undefined` counts as 0. A thrown error becomes an
 * `error` response (see `WorkerExportError`).
 */
export interface StreamExport extends ExportOptions {
  readonly kind: 'stream';
  run(
    requestJson: string,
    emit: EmitFn,
    context: ExportContext,
  ): number | undefined | Promise<number | undefined>;
}

/** A string export (`String -> IO String` in Lean): JSON commands, capability metadata and doctor. */
export interface StringExport extends ExportOptions {
  readonly kind: 'string';
  run(requestJson: string, context: ExportContext): string | Promise<string>;
}

/** Any export a child can dispatch to by name. */
export type WorkerExport = StreamExport | StringExport;

/**
 * An error with the stable code the child reports in `error{code, message}`. Any other thrown
 * value is reported as `lean_rs.lean_exception`, the code an IO error raised by a Lean export gets.
 */
export class WorkerExportError extends Error {
  override readonly name = 'WorkerExportError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A streaming export over the raw ABI. */
export function streamExport(run: StreamExport['run'], options: ExportOptions = {}): StreamExport {
  return { kind: 'stream', run, ...options };
}

/** A string export over the raw ABI. */
export function stringExport(run: StringExport['run'], options: ExportOptions = {}): StringExport {
  return { kind: 'string', run, ...options };
}

/**
 * A string export that receives the parsed request and returns a value serialised with
 * `JSON.stringify`. Use it for JSON commands, capability metadata and doctor exports.
 */
export function jsonExport<Request = unknown, Result = unknown>(
  handler: (request: Request, context: ExportContext) => Result | Promise<Result>,
  options: ExportOptions = {},
): StringExport {
  return stringExport(async (requestJson, context) => {
    const result = await handler(JSON.parse(requestJson) as Request, context);
    const text = JSON.stringify(result);
    if (text === undefined)
      throw new WorkerExportError('lean_rs.abi_conversion', 'export result is not JSON');
    return text;
  }, options);
}

/**
 * A streaming export written as a (sync or async) generator over envelope strings. Each yielded
 * envelope is emitted and awaited, so the generator runs no further ahead than the pipe allows.
 * When the child asks to stop (malformed envelope, failed write) the generator is closed and
 * status 4 is returned. A numeric return value of the generator becomes the status byte.
 */
export function generatorExport<Request = unknown>(
  generate: (
    request: Request,
    context: ExportContext,
  ) => AsyncIterator<string, unknown> | Iterator<string, unknown>,
  options: ExportOptions = {},
): StreamExport {
  return streamExport(async (requestJson, emit, context) => {
    const iterator = generate(JSON.parse(requestJson) as Request, context);
    while (true) {
      const step = await iterator.next();
      if (step.done) return typeof step.value === 'number' ? step.value : 0;
      const status = await emit(step.value);
      if (status !== 0) {
        await iterator.return?.(undefined);
        return status;
      }
    }
  }, options);
}
