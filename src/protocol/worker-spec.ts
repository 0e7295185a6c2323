/**
 * What it takes to start and prepare one worker child, as the builders resolve it for the pool and
 * the supervisor. Plain data only, so it can be posted to a supervisor thread as is.
 */
import type { LeanImport } from './lean-header.js';
import type { HostSessionMode, ImportProfile } from './messages.js';
import type { WorkerPolicy } from './worker-policy.js';

/** One import of a canonical repl header. */
export type ReplImport = Pick<LeanImport, 'module' | 'isPublic' | 'isMeta' | 'importAll'>;

/** The canonical import set of a repl header. */
export interface ReplHeaderKey {
  readonly isModule: boolean;
  readonly isPrelude: boolean;
  /** Sorted by module, then modifiers; no duplicates. */
  readonly imports: readonly ReplImport[];
}

/** How to start the child and the supervisor's limits for it. */
export interface WorkerLaunchSpec {
  /** Executable; never run through a shell. */
  readonly command: string;
  readonly args: readonly string[];
  /** The complete child environment (allowlisted parent variables + base + explicit). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
  /** Handshake deadline. */
  readonly startupTimeoutMs: number;
  /** Default total deadline of one request. */
  readonly requestTimeoutMs: number;
  /** Deadline with no frame from the child during a request; 0 disables. */
  readonly requestIdleTimeoutMs: number;
  /** Wait after `terminate` before the kill. */
  readonly shutdownTimeoutMs: number;
  /** Wait after the kill for the exit to be observed. */
  readonly killWaitTimeoutMs: number;
  /** Requested per-frame cap; clamped into the protocol range. */
  readonly maxFrameBytes: number;
  /** Size of the stderr ring buffer kept for error reports. */
  readonly stderrTailBytes: number;
  /** In-flight memory ceiling (private KiB of the child tree); 0 disables. */
  readonly hardMemoryLimitKib: number;
  /** How often memory is sampled while a request is in flight. */
  readonly memorySampleIntervalMs: number;
  /** The `worker_version` the child must report at handshake (HANDSHAKE failure otherwise). */
  readonly expectedWorkerVersion?: string | undefined;
}

/** The `open_host_session` the worker needs before it takes commands, or null for none. */
export interface SessionOpenSpec {
  readonly projectRoot: string;
  readonly mode: HostSessionMode;
  readonly imports: readonly string[];
  readonly importProfile: ImportProfile;
  /** Deadline of every open of this session, in place of the command's; absent: `DEFAULT_IMPORT_TIMEOUT_MS`. */
  readonly importTimeoutMs?: number | undefined;
}

/** A capability metadata check run after the session opens. */
export interface MetadataExpectation {
  readonly export: string;
  readonly request: unknown;
  /** When set, the reported metadata must equal this (order-insensitive for lists). */
  readonly expected?: unknown;
}

/** The default header probe: `Nat` exists in every environment that imported anything from Lean's core. */
export const DEFAULT_HEADER_PROBE = '#check Nat';
/** Default cap on one repl response, in bytes (64 MiB). */
export const DEFAULT_REPL_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A leanprover-community `repl` child: each generation imports one header, and every check runs in its env. */
export interface ReplChildSpec {
  readonly kind: 'repl';
  /** Canonical import set of the header (the repl part of the pool's session key). */
  readonly headerKey: string;
  /** The header command run once per generation. */
  readonly headerCommand: string;
  readonly header: ReplHeaderKey;
  /** Command run once in the header env to prove the imports loaded; null disables it. */
  readonly headerProbe: string | null;
  /** Cap on one repl response, bytes. */
  readonly maxResponseBytes: number;
}

/** The protocol a child speaks; absent means lean-rs-worker protocol v10. */
export type ChildKindSpec = { readonly kind: 'lean-rs-worker' } | ReplChildSpec;

/** The exports a worker's capability manifest declares, checked before a request is sent. */
export interface DeclaredExports {
  /** The manifest the session opens with, or null when there is none. */
  readonly manifestPath: string | null;
  /** Declared exports by name: the command kind each serves (null: a signature neither binding takes). */
  readonly kinds: Readonly<Record<string, 'stream' | 'json' | null>>;
}

/** Everything the pool needs to start a worker for one session key. */
export interface ResolvedWorker {
  /** Canonical session key; equal keys may share a worker. */
  readonly key: string;
  readonly launch: WorkerLaunchSpec;
  readonly session: SessionOpenSpec | null;
  readonly metadata: MetadataExpectation | null;
  /** The builder's worker policy, or null to use the pool's. */
  readonly policy?: WorkerPolicy | null;
  /** The child kind; absent means lean-rs-worker protocol v10. */
  readonly child?: ChildKindSpec;
  /** Exports the capability declares; absent means no check (the child decides). */
  readonly exports?: DeclaredExports;
}
