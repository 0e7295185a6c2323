/**
 * Where a supervisor thread's code comes from, and starting it.
 *
 * The default entry is written at the call site as the literal
 * `new Worker(new URL('../../threads/supervisor.js', import.meta.url))`, the form bundlers that
 * follow worker entries (webpack 5, electron-builder's asar unpacking by path) recognise; the path
 * is relative to the compiled module, which sits two folders below `dist/` unbundled
 * (`dist/src/worker/`) and bundled (`dist/src/chunks/`). The entry itself is one self-contained
 * file with its lazy chunks beside it (`scripts/bundle.mjs`), so it loads from a folder with no
 * `node_modules` (an unpacked asar, a bundled app). The pool option `supervisorEntry` replaces it.
 *
 * An entry that is not there fails the start with SPAWN, `facts.reason: 'thread_entry_missing'`,
 * `facts.entry` naming the file: checked before the thread starts for a given entry, and read
 * from the thread's load failure for the default one (a bundler may have moved the default, so
 * its place is not checked ahead).
 *
 * The Node options a supervisor thread starts with are the caller's, less the ones that describe
 * how the caller's own entry was given. A thread inherits `process.execArgv` by default, which
 * after `node --input-type=module -e <code>` holds the input type and the code itself; Node
 * refuses `--input-type` for a thread whose entry is a file, so the thread would die before it
 * loaded. Also the heap a supervisor thread runs under (`supervisorResourceLimits`).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ResourceLimits, Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../protocol/error-codes.js';
import { compiledPath } from './paths.js';

/** Where the default entry is, relative to this module compiled (what the literal below says). */
const DEFAULT_ENTRY_RELATIVE = ['..', '..', 'threads', 'supervisor.js'];

/** Running from TypeScript sources (the test suite): the thread runs from the compiled `dist/`. */
const fromSources = (): boolean => import.meta.url.endsWith('.ts');

/** The file the default entry names, for error messages (a bundler may have placed it elsewhere). */
export function defaultEntryPath(): string {
  if (fromSources()) return compiledPath('threads/supervisor.js');
  return path.join(path.dirname(fileURLToPath(import.meta.url)), ...DEFAULT_ENTRY_RELATIVE);
}

/** The SPAWN error of a thread entry that is not there. */
export function entryMissingError(entry: string, cause?: Error | null): WireError {
  return {
    code: ErrorCode.SPAWN,
    message:
      `the supervisor thread entry ${entry} could not be loaded: ship it with the package's dist/threads/ ` +
      'folder, or give its place with the pool option supervisorEntry',
    facts: { reason: 'thread_entry_missing', entry },
    ...(cause ? { cause: { name: cause.name, message: cause.message } } : {}),
  };
}

/** Whether `error`, the thread's load failure, says a module file was not found. */
export function isModuleNotFound(error: Error | null): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND';
}

export type ThreadStart = { ok: true; worker: Worker; entry: string } | { ok: false; error: WireError };

/**
 * Start a supervisor thread from `entry`, or from the default entry. A given entry that is not
 * there is refused before a thread starts.
 */
export function startSupervisorThread(
  entry: URL | undefined,
  options: Omit<WorkerOptions, 'execArgv'>,
): ThreadStart {
  if (entry === undefined && fromSources()) entry = pathToFileURL(defaultEntryPath());
  if (entry !== undefined) {
    const file = fileURLToPath(entry);
    if (!existsSync(file)) return { ok: false, error: entryMissingError(file) };
    return { ok: true, worker: startSupervisorWorker((o) => new Worker(entry, o), options), entry: file };
  }
  const worker = startSupervisorWorker(
    (o) => new Worker(new URL('../../threads/supervisor.js', import.meta.url), o),
    options,
  );
  return { ok: true, worker, entry: defaultEntryPath() };
}

/** Options that take the next argument as their value when written without `=`. */
const ENTRY_OPTIONS_WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);
/** Options that stand alone. */
const ENTRY_FLAGS = new Set(['-i', '--interactive', '-c', '--check']);

/** `execArgv` without the options about the caller's entry point. */
export function supervisorExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const name = arg.startsWith('--') ? (arg.split('=')[0] as string) : arg;
    if (ENTRY_FLAGS.has(arg)) continue;
    if (ENTRY_OPTIONS_WITH_VALUE.has(name)) {
      if (!arg.includes('=')) i += 1;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

/**
 * Start a supervisor thread through `create` (which names its entry). With nothing to drop it
 * inherits the caller's options the way Node does by default (Node itself leaves out the
 * process-wide ones, such as `--expose-gc`). With entry options dropped the rest are passed
 * explicitly, and Node refuses process-wide ones there: then the thread starts with none.
 */
export function startSupervisorWorker(
  create: (options: WorkerOptions) => Worker,
  options: Omit<WorkerOptions, 'execArgv'>,
): Worker {
  const kept = supervisorExecArgv();
  if (kept.length === process.execArgv.length) return create(options);
  try {
    return create({ ...options, execArgv: kept });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return create({ ...options, execArgv: [] });
  }
}

/** Heap ceiling of a supervisor thread whatever its frame cap. @default 256 (MiB) */
export const SUPERVISOR_OLD_GENERATION_MIN_MB = 256;
/** Heap a supervisor thread may use per MiB of frame cap (text, parsed value, its checked copy). */
export const SUPERVISOR_HEAP_MB_PER_FRAME_MB = 32;

/**
 * The heap a supervisor thread gets. A thread inherits the sizing of the process's own heap by
 * default, young generation included, which grows to several MiB while the thread loads and
 * keeps them resident (about 1 MiB of RSS per thread, `bench/thread-rss.ts`); with an
 * old-generation ceiling given, V8 sizes the young generation from it. The ceiling grows with
 * the frame cap: the thread holds a frame's text, its parsed value and the checked copy at once,
 * and a thread past it ends (`ERR_WORKER_OUT_OF_MEMORY`): its request fails with WORKER_UNAVAILABLE.
 */
export function supervisorResourceLimits(maxFrameBytes: number): ResourceLimits {
  const perFrameMb = SUPERVISOR_HEAP_MB_PER_FRAME_MB * Math.ceil(maxFrameBytes / 1_048_576);
  return { maxOldGenerationSizeMb: Math.max(SUPERVISOR_OLD_GENERATION_MIN_MB, perFrameMb) };
}
