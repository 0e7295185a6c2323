/**
 * The real `lean-rs-worker-child`'s rules, for children built on this kit that ask for them
 * (`strict: true`), so a parent that would fail against the real child fails against them too:
 *
 * - a child whose parent is PID 1 exits with status 0 before its handshake (the real child takes
 *   that as "my parent died before I could arm the parent-death signal");
 * - `open_host_session` with a `manifest_path` loads the capability manifest, and fails when it is
 *   missing, malformed, of another schema, built against another `lean.h` than the one under
 *   `LEAN_SYSROOT`, or names a missing library;
 * - every worker request (data stream, JSON command, metadata, doctor) needs an open session whose
 *   manifest declares the export with the ABI shape of that request's binding.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkManifest } from '../capability/manifest-file.js';
import type { Request, Response } from '../protocol/messages.js';
import { errorAnswer } from './run-export.js';
import type { ChildSession } from './sessions.js';

/** True when the parent is init: the real child exits at once then. */
export function parentIsInit(): boolean {
  return process.platform === 'linux' && process.ppid === 1;
}

/** Declared exports of one loaded manifest: the binding kind each export's signature fits. */
export type ManifestBindings = Readonly<Record<string, 'stream' | 'json' | null>>;

function sysrootHeaderDigest(env: NodeJS.ProcessEnv): string | null {
  const sysroot = env.LEAN_SYSROOT;
  if (!sysroot) return null;
  try {
    return createHash('sha256')
      .update(readFileSync(path.join(sysroot, 'include', 'lean', 'lean.h')))
      .digest('hex');
  } catch {
    return null;
  }
}

/** Load a manifest as the real child does at session open: its bindings, or the error answer. */
export function loadManifest(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
):
  | { readonly ok: true; readonly bindings: ManifestBindings }
  | { readonly ok: false; readonly response: Response } {
  const { checks, manifest } = checkManifest(file, { headerSha256: sysrootHeaderDigest(env) });
  // A manifest older than its library is the parent's business (its static check); the child loads it.
  const fatal = checks.find((c) => c.code !== 'lean_rs.loader.stale_manifest');
  if (fatal || manifest === null) {
    const check = fatal ?? checks[0];
    const message = check?.message ?? `cannot load capability manifest ${file}`;
    return { ok: false, response: errorAnswer(check?.code ?? 'lean_rs.loader.malformed_manifest', message) };
  }
  return { ok: true, bindings: manifest.exports };
}

const BINDING_OF_OP: Readonly<Record<string, 'stream' | 'json'>> = {
  run_data_stream: 'stream',
  json_command: 'json',
  capability_metadata: 'json',
  capability_doctor: 'json',
};

/** The real child's answer to a worker request it cannot bind to an export. */
export const bindingError = (message: string) => errorAnswer('lean_rs.worker.checked_binding', message);

/** The real child's answer to a worker request outside a session. */
export const SESSION_MISSING = errorAnswer(
  'lean_rs.worker.session_missing',
  'open a session before sending host-session requests',
);

/**
 * The error the real child answers for a worker request it cannot bind, or null. `bindings` is
 * the current session's loaded manifest (undefined when the session was opened without one).
 */
export function strictBindingError(
  request: Extract<Request, { export: string }>,
  session: ChildSession | undefined,
  bindings: ManifestBindings | undefined,
): Response | null {
  if (!session) return SESSION_MISSING;
  if (bindings === undefined)
    return bindingError(
      'worker request requires a manifest-backed capability identity, but this session has no capability manifest',
    );
  const want = BINDING_OF_OP[request.op];
  if (!Object.hasOwn(bindings, request.export))
    return bindingError(`missing trusted export signature metadata for symbol '${request.export}'`);
  if (bindings[request.export] !== want)
    return bindingError(
      `export signature mismatch for symbol '${request.export}': requested the ${want} binding`,
    );
  return null;
}
