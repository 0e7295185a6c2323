/**
 * Preparing a worker's generation: open its host session when the builder asks for one (imports,
 * a capability manifest or a metadata check, as the original does) and check capability metadata
 * against the expectation. A cold worker is prepared before its first lease, and every later
 * generation (after a crash, a timeout, a policy or explicit cycle) before the next lease runs on
 * it, so a restart never leaves a lease on a child without its session. The open runs under the
 * session's own import deadline, never a command's; each one counts toward `maxImports`.
 */
import { compareMetadata } from '../capability/metadata.js';
import { errorFromWire } from '../errors.js';
import { DEFAULT_IMPORT_TIMEOUT_MS } from '../protocol/constants.js';
import type { Request } from '../protocol/messages.js';
import type { OutcomeResponse } from '../protocol/port-messages.js';
import type { PoolWorker } from './worker.js';

// Ids below zero never collide with the pool's request ids.
let openIds = -1;

/**
 * Run one preparation request on `generation`; throws its typed failure. `timeoutMs` 0 is the
 * worker's request deadline; an import passes its own, as total and idle deadline both (an import
 * may be silent for as long as it takes).
 */
async function prepare(
  worker: PoolWorker,
  generation: number,
  request: Request,
  timeoutMs = 0,
): Promise<OutcomeResponse> {
  const outcome = await worker.handle.request(
    { id: openIds--, generation, request, timeoutMs, idleTimeoutMs: timeoutMs, preparation: true },
    null,
  );
  if (!outcome.ok) throw errorFromWire(outcome.error);
  return outcome.response;
}

/**
 * Prepare the worker's current generation: open its session, then run the metadata expectation.
 * Throws the typed failure (TIMEOUT past the import deadline, METADATA_MISMATCH, ...).
 */
export async function openSession(worker: PoolWorker): Promise<void> {
  const { session, metadata, child } = worker.resolved;
  const generation = worker.generation;
  if (child?.kind === 'repl') {
    // A repl generation is ready only once its header imported: that was its session open.
    worker.stats.noteImport(generation, 'opened');
    worker.stats.lastSessionOpenMs = worker.handle.info?.spawnHandshakeMs ?? null;
    worker.sessionGeneration = generation;
    return;
  }
  const began = performance.now();
  if (session) {
    const request: Request = {
      op: 'open_host_session',
      project_root: session.projectRoot,
      mode: session.mode,
      imports: [...session.imports],
      import_profile: session.importProfile,
    };
    const timeoutMs = session.importTimeoutMs ?? DEFAULT_IMPORT_TIMEOUT_MS;
    const response = await prepare(worker, generation, request, timeoutMs).catch((error: unknown) => {
      worker.stats.noteImport(generation, 'failed');
      throw error;
    });
    worker.stats.noteImport(generation, response.status === 'host_session_reused' ? 'reused' : 'opened');
    if ('import_stats' in response) worker.stats.lastImportStats = response.import_stats;
    worker.stats.lastSessionOpenMs = performance.now() - began;
  }
  if (metadata) {
    const response = await prepare(worker, generation, {
      op: 'capability_metadata',
      export: metadata.export,
      request_json: JSON.stringify(metadata.request),
    });
    if (response.status === 'capability_metadata' && metadata.expected !== undefined) {
      const mismatch = compareMetadata(metadata.export, metadata.expected, response.metadata);
      if (mismatch) throw mismatch;
    }
  }
  worker.sessionGeneration = generation;
}
