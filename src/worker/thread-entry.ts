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
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../protocol/error-codes.js';
import { startSupervisorWorker } from './exec-argv.js';
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
