/**
 * `lean-worker-pool/child`: a JavaScript implementation of the child side of the lean-rs-worker
 * protocol v10. Tests, fixtures and users' own test doubles speak the protocol with it, no Lean
 * needed.
 *
 * ```ts
 * import { createWorkerChild, generatorExport, jsonExport, row, diagnostic, metadata } from 'lean-worker-pool/child';
 *
 * await createWorkerChild({
 *   workerVersion: '1.0.0',
 *   exports: {
 *     my_index: generatorExport<{ n: number }>(async function* ({ n }) {
 *       yield diagnostic('index.started', 'started');
 *       for (let i = 0; i < n; i++) yield row('rows', { i });
 *       yield metadata({ rows: n });
 *     }),
 *     my_version: jsonExport(() => ({ version: 1 })),
 *   },
 * }).run();
 * ```
 *
 * With `strict: true` the child holds its parent to the real `lean-rs-worker-child`'s contract: it
 * exits at once when its parent is PID 1, loads the capability manifest named at session open, and
 * serves a worker request only in a session whose manifest declares the export for that request's
 * binding (see `strict.ts`). Test doubles of the real child should set it.
 *
 * stdout carries the frames: `run()` sends `console.*` and `process.stdout.write` to stderr, so
 * a stray `console.log` in an export is harmless. Code that writes to file descriptor 1 directly
 * still breaks the channel; the pool then fails with a PROTOCOL error that shows the bytes.
 */

export { canonicalJson } from '../capability/canonical-json.js';
export {
  chunkProgress,
  countChunks,
  diagnostic,
  jsonString,
  metadata,
  progress,
  RawJson,
  rawJson,
  row,
} from './envelope.js';
export {
  type EmitFn,
  type ExportContext,
  generatorExport,
  jsonExport,
  type StreamExport,
  type StringExport,
  streamExport,
  stringExport,
  type WorkerExport,
  WorkerExportError,
} from './exports.js';
export { type EnvelopeEvent, parseEnvelope } from './parse-envelope.js';
export { EXPORT_EXCEPTION_CODE } from './run-export.js';
export {
  type ChildSession,
  DEFAULT_SESSION_POOL_CAPACITY,
  type OpenedSession,
  type OpenSessionHook,
  SESSION_POOL_CAPACITY_ENV,
  type SessionKey,
  sessionPoolCapacity,
} from './sessions.js';
export { createWorkerChild, type WorkerChild, type WorkerChildOptions } from './worker-child.js';
