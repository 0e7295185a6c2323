/**
 * Preparing a fresh worker: open its host session when the builder asks for one (imports or a
 * metadata check, as the original does) and check capability metadata against the expectation.
 */
import { ErrorCode, errorFromWire, makeError } from '../errors.js';
import type { PoolEntry } from './entry.js';

let openIds = -1;

/** Canonical JSON with sorted keys; arrays of {name, version} compared as sets. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return `[${items.sort().join(',')}]`;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export async function openSession(entry: PoolEntry): Promise<void> {
  const { session, metadata } = entry.resolved;
  const began = performance.now();
  if (session) {
    const outcome = await entry.handle.request(
      {
        id: openIds--,
        generation: entry.generation,
        request: {
          op: 'open_host_session',
          project_root: session.projectRoot,
          mode: session.mode,
          imports: [...session.imports],
          import_profile: session.importProfile,
        },
        timeoutMs: 0,
        idleTimeoutMs: 0,
      },
      null,
    );
    if (!outcome.ok) throw errorFromWire(outcome.error);
    if (outcome.response.status === 'host_session_opened') {
      entry.counters.imports += 1;
      entry.importsThisGeneration += 1;
    }
    if ('import_stats' in outcome.response) entry.lastImportStats = outcome.response.import_stats;
    entry.lastSessionOpenMs = performance.now() - began;
  }
  if (metadata) {
    const outcome = await entry.handle.request(
      {
        id: openIds--,
        generation: entry.generation,
        request: {
          op: 'capability_metadata',
          export: metadata.export,
          request_json: JSON.stringify(metadata.request),
        },
        timeoutMs: 0,
        idleTimeoutMs: 0,
      },
      null,
    );
    if (!outcome.ok) throw errorFromWire(outcome.error);
    if (outcome.response.status !== 'capability_metadata') return;
    const actual = outcome.response.metadata;
    if (metadata.expected !== undefined && canonical(actual) !== canonical(metadata.expected)) {
      throw makeError(ErrorCode.METADATA_MISMATCH, `capability metadata from ${metadata.export} differs`, {
        facts: { export: metadata.export, expected: metadata.expected, actual },
      });
    }
  }
}
