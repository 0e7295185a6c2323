/**
 * Session keys: one canonical string per set of session requirements; equal keys may share a
 * worker. Built from the parts {@link SessionKeyParts} lists: canonical real paths, the ordered
 * imports (as the child keys its sessions), the capability's loading inputs, the metadata
 * expectation (canonical JSON, metadata lists order-insensitive), the restart-policy class and
 * the child's identity (null in planner keys). A replaced child binary therefore gets a new key;
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
  const { metadata: m, capability: cap, child: c } = parts;
  const expected = m?.expected === undefined ? null : canonicalMetadata(m.expected);
  const body = {
    project: parts.projectRoot,
    workspace: parts.importWorkspaceRoot,
    package: parts.package,
    lib: parts.libName,
    imports: [...parts.imports],
    profile: parts.importProfile,
    metadata: m && { export: m.export, request: canonicalJson(m.request ?? null), expected },
    policy: parts.restartPolicyClass,
    capability: cap ? { ...cap, knobs: canonicalJson(cap.knobs) } : null,
    child: c && {
      command: c.command,
      args: [...c.args],
      env: canonicalJson(c.env ?? {}),
      file: c.fileIdentity ?? null,
      version: c.version ?? null,
    },
  };
  // Fixed key order, so plain JSON is canonical; the free-form values are canonical JSON above.
  return `${SESSION_KEY_PREFIX} ${JSON.stringify(body)}`;
}
