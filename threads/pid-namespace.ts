/**
 * Children of a process that is PID 1 (a container started without an init). There a child would
 * see PID 1 as its parent, which the real worker child takes as "my parent died" and exits; and
 * every orphan of the child's descendants would be reparented to this process, which cannot reap
 * it (libuv waits only for the pids it spawned), so zombies would pile up.
 *
 * So when this process is PID 1, each child is started through util-linux
 * `unshare --pid --fork --kill-child -- <command> <args>` (itself under `setpriv --pdeathsig` and
 * detached as its group leader, as every child is):
 *
 * - unshare stays the child's parent, and the child is the init of a PID namespace of its own, so
 *   it sees parent pid 0, not 1;
 * - orphans of its descendants are reparented to the child, inside its namespace; when the child
 *   ends, the kernel kills everything left in the namespace and reaps it, so nothing is ever
 *   reparented to this process, which only reaps the unshare it spawned;
 * - `--kill-child` gives the child SIGKILL when unshare dies, and unshare dies with the thread
 *   that spawned it through setpriv. A child that replaces that parent-death signal with one it
 *   does not handle (the real child asks for SIGTERM) is not stopped by it, because a namespace
 *   init only receives the signals it handles plus SIGKILL; it still exits at end of input.
 *
 * Two facts of unshare shape the rest. It must outlive its child: if both die at once (a SIGKILL
 * to the whole group) the child's exit goes to this process and stays a zombie; so a kill goes to
 * the namespace init alone, and unshare, seeing it die, exits by itself. And unshare passes the
 * child's exit code and re-raises its fatal signal, except SIGKILL, which it cannot re-raise
 * (util-linux 2.38 exits 1 after "unshare: sigprocmask unblock failed"); that exit is read back
 * as the SIGKILL it was.
 *
 * Whether namespaces are allowed is probed once per thread, by running unshare's `--version`
 * under the same flags. Where they are not (no unshare; EPERM, as in a default Docker container),
 * a start fails with a typed SPAWN error, reason `init_required`, naming the cause and the fix.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { ChildExitInfo } from '../src/protocol/port-messages.js';
import { wireError } from './outcome.js';

const UNSHARE_CANDIDATES = ['/usr/bin/unshare', '/bin/unshare'];
const NAMESPACE_FLAGS = ['--pid', '--fork', '--kill-child'];
const PROBE_TIMEOUT_MS = 10_000;
/** How long a kill waits for unshare to fork (or to exit) before it kills unshare itself. */
const KILL_RETRY_MS = 5;
const KILL_RETRIES = 200;

/** Whether this process may give each child a PID namespace of its own. */
export type NamespaceProbe =
  | { readonly ok: true; readonly unshare: string }
  | {
      readonly ok: false;
      readonly unshare: string | null;
      readonly cause: 'no_unshare' | 'namespaces_refused';
      readonly detail: string;
    };

/** How children are started from this process: the argv prefix to run them under, or why not. */
export type Launcher = { readonly prefix: readonly string[] } | { readonly error: WireError };

const DIRECT: Launcher = { prefix: [] };
let probed: Promise<NamespaceProbe> | null = null;

function findUnshare(): string | null {
  for (const candidate of UNSHARE_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not at this path
    }
  }
  return null;
}

function runProbe(): Promise<NamespaceProbe> {
  const unshare = findUnshare();
  if (unshare === null) {
    const detail = `no executable unshare at ${UNSHARE_CANDIDATES.join(' or ')}`;
    return Promise.resolve({ ok: false, unshare, cause: 'no_unshare', detail });
  }
  return new Promise((resolve) => {
    const args = [...NAMESPACE_FLAGS, '--', unshare, '--version'];
    execFile(unshare, args, { env: {}, timeout: PROBE_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (!error) resolve({ ok: true, unshare });
      else
        resolve({ ok: false, unshare, cause: 'namespaces_refused', detail: stderr.trim() || error.message });
    });
  });
}

/** The probe, run at most once in this thread. */
export function probeNamespaces(): Promise<NamespaceProbe> {
  probed ??= runProbe();
  return probed;
}

/** The launcher a probe allows: unshare's prefix, or the typed error that says to run an init. */
export function launcherFrom(probe: NamespaceProbe): Launcher {
  if (probe.ok) return { prefix: [probe.unshare, ...NAMESPACE_FLAGS, '--'] };
  const why =
    probe.cause === 'no_unshare' ? 'util-linux unshare is not installed' : 'PID namespaces are refused';
  return {
    error: wireError(
      ErrorCode.SPAWN,
      `this process is PID 1 and cannot give worker children a PID namespace of their own (${why}): ` +
        'run it under an init, such as `docker run --init` or tini',
      {
        reason: 'init_required',
        cause: probe.cause,
        detail: probe.detail,
        unshare: probe.unshare,
        fix: 'run Node under an init process (docker run --init, tini, dumb-init), or allow PID namespaces',
      },
    ),
  };
}

/** How to start children from a process with pid `pid` (this one by default). */
export async function childLauncher(pid: number = process.pid): Promise<Launcher> {
  if (pid !== 1 || process.platform !== 'linux') return DIRECT;
  return launcherFrom(await probeNamespaces());
}

/** The process unshare forked (the namespace init, as this /proc numbers it), or null. */
export function namespaceInit(launcherPid: number): number | null {
  try {
    const text = readFileSync(`/proc/${launcherPid}/task/${launcherPid}/children`, 'latin1');
    const pid = Number.parseInt(text, 10);
    return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * SIGKILL the child under the unshare `launcherPid`, which takes its whole namespace with it; unshare
 * then exits by itself. Until unshare has forked (or while it is reaping), retry briefly; only if
 * it never shows a child is unshare killed itself.
 */
export function killNamespace(launcherPid: number, launcherGone: () => boolean): void {
  const attempt = (left: number): void => {
    if (launcherGone()) return;
    const init = namespaceInit(launcherPid);
    const target = init ?? (left <= 0 ? launcherPid : null);
    if (target !== null) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      return;
    }
    setTimeout(() => attempt(left - 1), KILL_RETRY_MS).unref();
  };
  attempt(KILL_RETRIES);
}

const REraiseFailure = /(?:^|\n)unshare: [^\n]*sigprocmask[^\n]*\n?$/;

/** The child's exit as unshare reported it, with a SIGKILL unshare could not re-raise read back. */
export function launcherExit(exit: ChildExitInfo): ChildExitInfo {
  if (exit.code !== 1 || exit.signal !== null) return exit;
  const match = REraiseFailure.exec(exit.stderrTail);
  if (!match) return exit;
  return {
    code: null,
    signal: 'SIGKILL',
    success: false,
    stderrTail: exit.stderrTail.slice(0, match.index + (match[0].startsWith('\n') ? 1 : 0)),
  };
}
