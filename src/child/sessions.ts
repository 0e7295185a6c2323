/**
 * The child's host sessions: one current session plus a pool of parked ones, least recently used
 * first, as the original child keeps imported environments. The pool's capacity counts the
 * current session; reopening a held key answers "reused" without importing again.
 */
import type { HostSessionMode, ImportProfile, ImportStats } from '../protocol/messages.js';

/** Capacity when neither the environment nor the options say otherwise. */
export const DEFAULT_SESSION_POOL_CAPACITY = 4;

/** The environment variable the parent uses to size the pool. */
export const SESSION_POOL_CAPACITY_ENV = 'LEAN_RS_WORKER_SESSION_POOL_CAPACITY';

/** Everything about an `open_host_session` request that decides which environment it gets. */
export interface SessionKey {
  readonly projectRoot: string;
  readonly mode: HostSessionMode;
  /** Order matters: a reordered import list is a different environment. */
  readonly imports: readonly string[];
  readonly importProfile: ImportProfile;
}

/** What an `openSession` hook may return: import statistics to report and any state to hold. */
export interface OpenedSession {
  readonly importStats?: Partial<ImportStats>;
  /** Kept alive while the session is held (current or parked); dropped on eviction. */
  readonly state?: unknown;
}

/** A session held by the child. */
export interface ChildSession {
  readonly key: SessionKey;
  readonly importStats: ImportStats;
  readonly state: unknown;
}

/** Opens an environment for a key: the place a child simulates or performs import work. */
export type OpenSessionHook = (
  key: SessionKey,
) => OpenedSession | undefined | Promise<OpenedSession | undefined>;

/** Capacity from `LEAN_RS_WORKER_SESSION_POOL_CAPACITY`, else `fallback`; never below 1. */
export function sessionPoolCapacity(
  env: NodeJS.ProcessEnv = process.env,
  fallback = DEFAULT_SESSION_POOL_CAPACITY,
): number {
  const raw = env[SESSION_POOL_CAPACITY_ENV]?.trim();
  const parsed = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
  return Math.max(1, parsed);
}

function keyId(key: SessionKey): string {
  const mode =
    key.mode.kind === 'capability'
      ? ['capability', key.mode.package, key.mode.lib_name, key.mode.manifest_path]
      : ['shims_only'];
  return JSON.stringify([key.projectRoot, mode, key.imports, key.importProfile]);
}

/** Import statistics of a session that imported `imports` and reports nothing else. */
export function importStatsFor(
  imports: readonly string[],
  importProfile: ImportProfile,
  partial: Partial<ImportStats> = {},
): ImportStats {
  return {
    direct_import_names: [...imports],
    effective_module_count: imports.length,
    compacted_region_count: 0,
    memory_mapped_region_count: 0,
    compacted_region_bytes: 0,
    memory_mapped_region_bytes: 0,
    non_memory_mapped_region_bytes: 0,
    imported_bytes: 0,
    imported_constant_count: 0,
    extension_count: 0,
    total_imported_extension_entries: 0,
    import_level: importProfile,
    import_all: false,
    load_exts: true,
    ...partial,
  };
}

interface Held extends ChildSession {
  readonly id: string;
}

/** Current session plus an LRU of parked ones. */
export class SessionPool {
  readonly #capacity: number;
  readonly #open: OpenSessionHook | undefined;
  readonly #onEvict: ((session: ChildSession) => void) | undefined;
  #current: Held | undefined;
  /** Least recently used first. */
  #parked: Held[] = [];

  constructor(capacity: number, open?: OpenSessionHook, onEvict?: (session: ChildSession) => void) {
    this.#capacity = Math.max(1, capacity);
    this.#open = open;
    this.#onEvict = onEvict;
  }

  /** The session the child serves, if any. */
  get current(): ChildSession | undefined {
    return this.#current;
  }

  /**
   * Reuse the current or a parked session with this key, or import a new one after parking the
   * current session and evicting the least recently used beyond capacity. If the import throws,
   * the child is left with no current session (the parked ones survive) and the error propagates.
   */
  async openOrReuse(key: SessionKey): Promise<{ reused: boolean; session: ChildSession }> {
    const id = keyId(key);
    if (this.#current?.id === id) return { reused: true, session: this.#current };
    const index = this.#parked.findIndex((held) => held.id === id);
    const hit = index >= 0 ? this.#parked.splice(index, 1)[0] : undefined;
    if (this.#current) this.#parked.push(this.#current);
    this.#current = hit;
    if (hit) return { reused: true, session: hit };
    while (this.#parked.length >= this.#capacity) {
      const evicted = this.#parked.shift() as Held;
      this.#onEvict?.(evicted);
    }
    const opened = (await this.#open?.(key)) ?? {};
    const held: Held = {
      id,
      key,
      importStats: importStatsFor(key.imports, key.importProfile, opened.importStats),
      state: opened.state,
    };
    this.#current = held;
    return { reused: false, session: held };
  }
}
