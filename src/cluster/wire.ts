/**
 * What crosses Redis: the key and queue names of one cluster, a job's data (checked on the node
 * with a strict schema), a cluster source (a name plus JSON params, the same on every machine, so
 * its affinity key is too), and the entries of a job's row stream.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../capability/canonical-json.js';
import { ErrorCode, makeError, type WireError } from '../errors.js';
import type { LeanWorkerDataRow } from '../protocol/port-messages.js';
import { NAME } from './options.js';

/** Redis key and BullMQ queue names of the cluster under `prefix`. */
export function clusterKeys(prefix: string) {
  const k = `${prefix}:cluster`;
  return {
    /** The BullMQ key prefix of the cluster's queues. */
    bullPrefix: prefix,
    coldQueue: 'cold',
    nodeQueue: (id: string) => `node-${id}`,
    nodeIds: `${k}:nodes`,
    node: (id: string) => `${k}:node:${id}`,
    sweepLock: (id: string) => `${k}:sweep:${id}`,
    job: (jobId: string) => `${k}:job:${jobId}`,
    rows: (jobId: string) => `${k}:rows:${jobId}`,
    cancelChannel: `${k}:cancel`,
  };
}

export type ClusterKeys = ReturnType<typeof clusterKeys>;

/** JSON params of a source. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A source every node can rebuild: the name of one of the nodes' `sources` and JSON params for
 * it. Session keys hold machine-local paths, so affinity is keyed on this instead.
 */
export interface LeanWorkerClusterSource {
  readonly name: string;
  readonly params: JsonValue;
  /** `name` plus a digest of the canonical params: equal for equal sources on every machine. */
  readonly affinityKey: string;
}

/** Name a source the nodes know, with its params (for example the imports of the session). */
export function clusterSource(name: string, params: JsonValue = null): LeanWorkerClusterSource {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw makeError(ErrorCode.INVALID_ARGUMENT, 'a cluster source needs a name of letters, digits, _ . -', {
      facts: { argument: 'name', received: typeof name },
    });
  }
  let text: string;
  try {
    text = canonicalJson(params);
  } catch (error) {
    throw makeError(ErrorCode.INVALID_ARGUMENT, 'cluster source params must be JSON', {
      facts: { argument: 'params', reason: (error as Error).name },
      cause: error,
    });
  }
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 24);
  return Object.freeze({ name, params: JSON.parse(text) as JsonValue, affinityKey: `${name}:${digest}` });
}

/** A job's data in its BullMQ queue. */
export const jobDataSchema = z
  .object({
    v: z.literal(1),
    source: z.object({ name: z.string(), params: z.unknown(), affinityKey: z.string() }).strict(),
    kind: z.enum(['stream', 'json']),
    export: z.string().min(1),
    requestJson: z.string(),
    timeoutMs: z.number().int().positive().optional(),
    idleTimeoutMs: z.number().int().nonnegative().optional(),
    maxAttempts: z.number().int().min(1),
    submittedAt: z.number(),
    routedTo: z.string().nullable(),
  })
  .strict();

export type ClusterJobData = z.output<typeof jobDataSchema>;

/** The terminal entry of a job: exactly one per job is accepted by the client. */
export type EndEntry = { readonly attempt: number; readonly warm: boolean } & (
  | {
      readonly ok: true;
      readonly node: string;
      /** A stream's summary (metadata raw) or a JSON command's raw response. */
      readonly value: unknown;
    }
  | { readonly ok: false; readonly node: string | null; readonly error: WireError }
);

/** One entry of a job's row stream, as the client reads it. */
export type StreamEntry =
  | { readonly kind: 'attempt'; readonly attempt: number; readonly node: string; readonly warm: boolean }
  | {
      readonly kind: 'rows';
      readonly attempt: number;
      /** Rows in order; one entry carries up to `ROWS_PER_ENTRY`. */
      readonly rows: readonly LeanWorkerDataRow[];
    }
  | ({ readonly kind: 'end' } & EndEntry);

/** Rows written in one stream entry at most: one XADD and one entry to read for a run of rows. */
export const ROWS_PER_ENTRY = 64;

/** The flat field list of an entry for XADD. */
export function entryFields(entry: StreamEntry): string[] {
  const attempt = String(entry.attempt);
  if (entry.kind === 'rows') {
    const rows = entry.rows.map((r) => [r.stream, r.sequence, r.payload ?? null]);
    return ['k', 'b', 'a', attempt, 'r', JSON.stringify(rows)];
  }
  if (entry.kind === 'attempt') {
    return ['k', 'a', 'a', attempt, 'd', JSON.stringify({ node: entry.node, warm: entry.warm })];
  }
  const { kind: _kind, ...end } = entry;
  return ['k', 'e', 'a', attempt, 'd', JSON.stringify(end)];
}

/** Read an entry back from XREAD's field list; a malformed one is a PROTOCOL error. */
export function parseEntry(fields: readonly string[]): StreamEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  const attempt = Number(f.a);
  try {
    if (f.k === 'b') {
      const rows = JSON.parse(f.r ?? '[]') as [string, number, unknown][];
      return {
        kind: 'rows',
        attempt,
        rows: rows.map(([stream, sequence, payload]) => ({ stream, sequence, payload })),
      };
    }
    const data = JSON.parse(f.d ?? 'null') as Record<string, unknown>;
    if (f.k === 'a') return { kind: 'attempt', attempt, node: String(data.node), warm: data.warm === true };
    if (f.k === 'e') {
      const node = typeof data.node === 'string' ? data.node : null;
      const warm = data.warm === true;
      if (data.ok === true)
        return { kind: 'end', ok: true, attempt, node: node ?? '', warm, value: data.value };
      return { kind: 'end', ok: false, attempt, node, warm, error: wireErrorOf(data.error) };
    }
  } catch (error) {
    throw makeError(ErrorCode.PROTOCOL, 'a cluster row entry is not JSON', {
      facts: { reason: 'cluster_entry_malformed' },
      cause: error,
    });
  }
  throw makeError(ErrorCode.PROTOCOL, 'a cluster row entry has an unknown kind', {
    facts: { reason: 'cluster_entry_malformed', messageType: String(f.k) },
  });
}

/** A wire error read from JSON: a code this package does not know becomes PROTOCOL. */
export function wireErrorOf(value: unknown): WireError {
  const e = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const message = typeof e.message === 'string' ? e.message : 'cluster job failed';
  const facts = typeof e.facts === 'object' && e.facts !== null ? (e.facts as Record<string, unknown>) : {};
  const code = Object.values(ErrorCode).find((c) => c === e.code);
  if (code !== undefined) return { code, message, facts };
  const unknown = { reason: 'unknown_error_code', received: String(e.code) };
  return { code: ErrorCode.PROTOCOL, message, facts: unknown };
}

/** Compare two stream ids (`ms-seq`). */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** The id just after `id` (`ms-seq`), for XTRIM MINID after consuming `id`. */
export function nextStreamId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${Number(seq ?? 0) + 1}`;
}
