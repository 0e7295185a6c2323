/**
 * Preparing a fresh worker: open its host session when the builder asks for one (imports or a
 * metadata check, as the original does) and check capability metadata against the expectation.
 */
import { compareMetadata } from '../capability/metadata.js';
import { errorFromWire } from '../errors.js';
import type { Request } from '../protocol/messages.js';
import type { OutcomeResponse } from '../protocol/port-messages.js';
import type { PoolEntry } from './entry.js';

// Ids below zero never collide with the pool's request ids.
let openIds = -1;

/** Run one preparation request on the entry's current generation; throws its typed failure. */
async function prepare(entry: PoolEntry, request: Request): Promise<OutcomeResponse> {
  const outcome = await entry.handle.request(
    { id: openIds--, generation: entry.generation, request, timeoutMs: 0, idleTimeoutMs: 0 },
    null,
  );
  if (!outcome.ok) throw errorFromWire(outcome.error);
  return outcome.response;
}

export async function openSession(entry: PoolEntry): Promise<void> {
  const { session, metadata, child } = entry.resolved;
  if (child?.kind === 'repl') {
    // A repl generation is ready only once its header imported: that was its session open.
    entry.counters.imports += 1;
    entry.importsThisGeneration += 1;
    entry.lastSessionOpenMs = entry.handle.info?.spawnHandshakeMs ?? null;
    return;
  }
  const began = performance.now();
  if (session) {
    const response = await prepare(entry, {
      op: 'open_host_session',
      project_root: session.projectRoot,
      mode: session.mode,
      imports: [...session.imports],
      import_profile: session.importProfile,
    });
    if (response.status === 'host_session_opened') {
      entry.counters.imports += 1;
      entry.importsThisGeneration += 1;
    }
    if ('import_stats' in response) entry.lastImportStats = response.import_stats;
    entry.lastSessionOpenMs = performance.now() - began;
  }
  if (metadata) {
    const response = await prepare(entry, {
      op: 'capability_metadata',
      export: metadata.export,
      request_json: JSON.stringify(metadata.request),
    });
    if (response.status !== 'capability_metadata' || metadata.expected === undefined) return;
    const mismatch = compareMetadata(metadata.export, metadata.expected, response.metadata);
    if (mismatch) throw mismatch;
  }
}
