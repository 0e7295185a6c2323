/**
 * Session keys: one canonical string per set of session requirements. Equal keys may share a
 * worker. Built from canonical real paths, the import workspace root, package and library, the
 * ordered import list (as the child keys its sessions), the capability's module, declared exports,
 * manifest digest, sysroot and behaviour knobs, the import profile, the metadata expectation (canonical JSON, metadata
 * lists order-insensitive), the restart-policy class, and the child's identity (resolved command
 * path, file identity, arguments, explicit environment and the worker version the builder pins;
 * null in planner keys, which carry no child). A replaced child binary therefore gets a new key;
 * the version each generation reports at handshake is recorded on the pool entry, and a pinned
 * version is enforced there.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { ImportProfile } from '../protocol/messages.js';
import type { RestartPolicyClass } from '../protocol/worker-policy.js';
import type { MetadataExpectation } from '../protocol/worker-spec.js';
import { canonicalJson } from './canonical-json.js';
import { statOrNull } from './child-locator.js';
import { canonicalMetadata } from './metadata.js';

/** Version tag at the front of every key. */
export const SESSION_KEY_PREFIX = 'lean-worker-session/1';

/** Everything a session key is made of. */
export interface SessionKeyParts {
  readonly projectRoot: string;
  readonly importWorkspaceRoot: string;
  readonly package: string;
  readonly libName: string;
  readonly imports: readonly string[];
  readonly importProfile: ImportProfile;
  readonly metadata: MetadataExpectation | null;
  readonly restartPolicyClass: RestartPolicyClass;
  /**
   * What decides how the child loads the capability: root module, declared exports, the digest of
   * a user manifest, the sysroot asked for, and the knobs that change the child's behaviour.
   * Absent in planner keys.
   */
  readonly capability?: {
    readonly module: string;
    readonly exports: readonly (readonly [string, string])[];
    readonly manifest: string | null;
    readonly sysroot: string | null;
    readonly knobs: Readonly<Record<string, unknown>>;
  };
  readonly child: {
    readonly command: string;
    readonly args: readonly string[];
    /** Explicit environment variables given for the child (the allowlisted parent part is not keyed). */
    readonly env?: Readonly<Record<string, string>>;
    /** Identity of the command file (device, inode, size, mtime), so a replaced binary is a new key. */
    readonly fileIdentity?: string | null;
    /** The `worker_version` the child must report at handshake, when the builder pins one. */
    readonly version?: string | null;
  } | null;
}

/** `dev:ino:size:mtimeMs` of a file, or null when it cannot be read. */
export function fileIdentity(file: string): string | null {
  const st = statOrNull(file);
  return st && `${st.dev}:${st.ino}:${st.size}:${Math.trunc(st.mtimeMs)}`;
}

/** Real path when the path exists, else the absolute normalised path. */
export function canonicalPath(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Format a session key; paths must already be canonical, imports in the order the child gets them. */
export function formatSessionKey(parts: SessionKeyParts): string {
  const metadata =
    parts.metadata === null
      ? null
      : {
          export: parts.metadata.export,
          request: canonicalJson(parts.metadata.request ?? null),
          expected: parts.metadata.expected === undefined ? null : canonicalMetadata(parts.metadata.expected),
        };
  const body = {
    project: parts.projectRoot,
    workspace: parts.importWorkspaceRoot,
    package: parts.package,
    lib: parts.libName,
    imports: [...parts.imports],
    profile: parts.importProfile,
    metadata,
    policy: parts.restartPolicyClass,
    capability:
      parts.capability === undefined
        ? null
        : { ...parts.capability, knobs: canonicalJson(parts.capability.knobs) },
    child:
      parts.child === null
        ? null
        : {
            command: parts.child.command,
            args: [...parts.child.args],
            env: canonicalJson(parts.child.env ?? {}),
            file: parts.child.fileIdentity ?? null,
            version: parts.child.version ?? null,
          },
  };
  // Fixed key order, so plain JSON is canonical; only the metadata request needed sorting.
  return `${SESSION_KEY_PREFIX} ${JSON.stringify(body)}`;
}
