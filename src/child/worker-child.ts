/**
 * The child side of protocol v10 on stdin/stdout: handshake, `configure_frame_limit`, then
 * strictly serial requests, each answered by exactly one terminal response. Exits 0 after
 * `terminate`, 1 on end of input, an unreadable frame or a failed stdout write, always with one
 * line on stderr saying why.
 */
import type { Readable } from 'node:stream';
import { FrameError, parseFrameBody } from '../protocol/codec.js';
import { PROTOCOL_VERSION } from '../protocol/constants.js';
import { encodeHandshake, encodeResponse } from '../protocol/encode.js';
import type { Request, Response } from '../protocol/messages.js';
import type { ExportContext, WorkerExport } from './exports.js';
import { parseFrameLimit, parseRequest } from './parse-request.js';
import {
  doctorResponse,
  errorAnswer,
  errorResponse,
  metadataResponse,
  runStream,
  runString,
} from './run-export.js';
import { type ChildSession, type OpenSessionHook, SessionPool, sessionPoolCapacity } from './sessions.js';
import { FrameReader, FrameWriter, routeStdoutToStderr, stderrLine } from './stdio.js';
import {
  bindingError,
  loadManifest,
  type ManifestBindings,
  parentIsInit,
  SESSION_MISSING,
  strictBindingError,
} from './strict.js';

/** How to build a child. */
export interface WorkerChildOptions {
  /** Exports by name, as a capability's manifest lists them. */
  readonly exports: Readonly<Record<string, WorkerExport>>;
  /** Reported in the handshake as `worker_version`. */
  readonly workerVersion: string;
  /** Runs for each `open_host_session` that is not a reuse; may simulate or perform the import. */
  readonly openSession?: OpenSessionHook;
  /** Runs when a held session is evicted from the pool. */
  readonly onSessionEvicted?: (session: ChildSession) => void;
  /** Pool capacity when `LEAN_RS_WORKER_SESSION_POOL_CAPACITY` is unset (default 4). */
  readonly sessionPoolCapacity?: number;
  /** Every export needs an open session, as in the Rust child (default false). Exports may override. */
  readonly requireSession?: boolean;
  /** Enforce the real child's contract (default false): see `strict.ts`. */
  readonly strict?: boolean;
  /** Prefix of the stderr line written on a fatal error (default `lean-worker-child`). */
  readonly name?: string;
  /** Protocol version to announce (default 10); only for testing a parent's version check. */
  readonly protocolVersion?: number;
  /** Input stream (default `process.stdin`). */
  readonly input?: Readable;
  /** Output file descriptor (default 1). Never write anything else to it. */
  readonly outputFd?: number;
}

/** A child ready to serve. */
export interface WorkerChild {
  /** Serve until terminate or failure; resolves to the exit code without exiting. */
  serve(): Promise<number>;
  /** Serve, then exit the process with the resulting code. */
  run(): Promise<never>;
}

const GENERIC_OPS = new Set<string>([
  'health',
  'open_host_session',
  'run_data_stream',
  'json_command',
  'capability_metadata',
  'capability_doctor',
  'terminate',
]);

class Fatal extends Error {}

/** Build a child over the given exports. Nothing runs until `serve()` or `run()`. */
export function createWorkerChild(options: WorkerChildOptions): WorkerChild {
  const serve = () => serveChild(options);
  return {
    serve,
    async run(): Promise<never> {
      const name = options.name ?? 'lean-worker-child';
      // Anything escaping an export (a throwing timer, a stray rejection) still ends in one line.
      const die = (kind: string) => (error: unknown) => {
        stderrLine(`${name}: ${kind}: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      };
      process.on('uncaughtException', die('uncaught exception'));
      process.on('unhandledRejection', die('unhandled rejection'));
      routeStdoutToStderr();
      const code = await serve();
      process.exit(code);
    },
  };
}

/** Per-child state the request handlers share. */
interface Served {
  readonly options: WorkerChildOptions;
  readonly pool: SessionPool;
  readonly writer: FrameWriter;
  /** Loaded manifests by path (strict mode). */
  readonly manifests: Map<string, ManifestBindings>;
}

async function serveChild(options: WorkerChildOptions): Promise<number> {
  const name = options.name ?? 'lean-worker-child';
  if (options.strict && parentIsInit()) return 0;
  const writer = new FrameWriter(options.outputFd ?? 1);
  const reader = new FrameReader(options.input ?? process.stdin);
  const pool = new SessionPool(
    sessionPoolCapacity(process.env, options.sessionPoolCapacity),
    options.openSession,
    options.onSessionEvicted,
  );
  try {
    writer.write(encodeHandshake(options.workerVersion, options.protocolVersion ?? PROTOCOL_VERSION));
    await writer.flush();
    const first = await nextMessage(reader, 'configure_frame_limit');
    if (first.type !== 'configure_frame_limit')
      throw new Fatal(`expected configure_frame_limit as the first frame, got ${first.type}`);
    const limit = parseFrameLimit(first.body);
    if (limit === null) throw new Fatal('configure_frame_limit carries no valid max_frame_bytes');
    writer.maxFrameBytes = limit;
    reader.maxFrameBytes = limit;

    const served: Served = { options, pool, writer, manifests: new Map() };
    while (true) {
      const message = await nextMessage(reader, 'a request');
      const response = await answer(message, served);
      await writeResponse(writer, response);
      if (response.status === 'terminating') return 0;
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const code = error instanceof FrameError ? ` (${error.reason})` : '';
    stderrLine(`${name}: ${reason}${code}`);
    return 1;
  }
}

async function nextMessage(reader: FrameReader, expecting: string): Promise<{ type: string; body: unknown }> {
  const text = await reader.next();
  if (text === null) throw new Fatal(`stdin closed while waiting for ${expecting}: protocol channel lost`);
  return parseFrameBody(text);
}

async function answer(message: { type: string; body: unknown }, served: Served): Promise<Response> {
  if (message.type !== 'request')
    return errorAnswer('lean_rs.worker.protocol.unexpected_frame', 'child expected request frame');
  const op = (message.body as { op?: unknown } | null)?.op;
  if (typeof op !== 'string' || !GENERIC_OPS.has(op)) {
    const message = `child received a request it does not recognise: ${String(op)}`;
    return errorAnswer('lean_rs.worker.protocol.unknown_request', message);
  }
  const request = parseRequest(message.body);
  if (request === null) throw new Fatal(`malformed ${op} request`);
  return dispatch(request, served);
}

async function dispatch(request: Request, served: Served): Promise<Response> {
  const { options, pool } = served;
  switch (request.op) {
    case 'health':
      return { status: 'health_ok' };
    case 'terminate':
      return { status: 'terminating' };
    case 'open_host_session':
      try {
        const manifestPath = request.mode.kind === 'capability' ? request.mode.manifest_path : null;
        if (options.strict && manifestPath !== null) {
          const loaded = loadManifest(manifestPath);
          if (!loaded.ok) return loaded.response;
          served.manifests.set(manifestPath, loaded.bindings);
        }
        const { reused, session } = await pool.openOrReuse({
          projectRoot: request.project_root,
          mode: request.mode,
          imports: request.imports,
          importProfile: request.import_profile,
        });
        const status = reused ? 'host_session_reused' : 'host_session_opened';
        return { status, import_stats: session.importStats };
      } catch (error) {
        return errorResponse(error);
      }
    default:
      return runExport(request, served);
  }
}

function manifestOf(served: Served): ManifestBindings | undefined {
  const mode = served.pool.current?.key.mode;
  if (mode?.kind !== 'capability' || mode.manifest_path === null) return undefined;
  return served.manifests.get(mode.manifest_path);
}

async function runExport(request: Extract<Request, { export: string }>, served: Served): Promise<Response> {
  const { options, pool, writer } = served;
  if (options.strict) {
    const refused = strictBindingError(request, pool.current, manifestOf(served));
    if (refused) return refused;
  }
  const exportName = request.export;
  const exp = Object.hasOwn(options.exports, exportName) ? options.exports[exportName] : undefined;
  if ((exp?.needsSession ?? options.requireSession) && !pool.current) return SESSION_MISSING;
  if (!exp) return bindingError(`export ${exportName}: not exported`);
  const context: ExportContext = { exportName, session: pool.current, flush: () => writer.flush() };
  if (request.op === 'run_data_stream') {
    if (exp.kind !== 'stream') return bindingError(`export ${exportName}: is not a streaming export`);
    return runStream(exp, request.request_json, request.progress, writer, context);
  }
  if (exp.kind !== 'string') return bindingError(`export ${exportName}: is not a string export`);
  const text = await runString(exp, request.request_json, context);
  if (typeof text !== 'string') return text;
  switch (request.op) {
    case 'json_command':
      return { status: 'json_command', response_json: text };
    case 'capability_metadata':
      return metadataResponse(text);
    case 'capability_doctor':
      return doctorResponse(text);
  }
}

/** Write the terminal response, substituting `output_frame_too_large` for one over the cap. */
async function writeResponse(writer: FrameWriter, response: Response): Promise<void> {
  let frame: Buffer;
  try {
    frame = encodeResponse(response, writer.maxFrameBytes);
  } catch (error) {
    if (!(error instanceof FrameError) || error.reason !== 'frame_too_large') throw error;
    const message = `worker response frame too large: ${String(error.facts.length)} bytes exceeds ${writer.maxFrameBytes}`;
    const tooLarge = errorAnswer('lean_rs.worker.output_frame_too_large', message);
    frame = encodeResponse(tooLarge, writer.maxFrameBytes);
  }
  writer.write(frame);
  await writer.flush();
}
