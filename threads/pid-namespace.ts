/**
 * Children of a process that is PID 1 (a container started without an init). There a child would
 * see PID 1 as its parent, which the real worker child takes as "my parent died", and orphans of
 * its descendants would be reparented to this process, which cannot reap them (libuv waits only
 * for the pids it spawned). So each child runs under util-linux
 * `unshare --pid --fork --kill-child -- <command> <args>` (itself under `setpriv --pdeathsig`):
 * the child is the init of its own PID namespace (parent pid 0), orphans are reparented and reaped
 * inside it, and `--kill-child` kills it when unshare dies with the thread (a namespace init gets
 * only SIGKILL and the signals it handles, so a parent-death SIGTERM it does not handle is lost; it
 * still ends at end of input).
 *
 * unshare must outlive its child (if both die at once, the child stays a zombie here), so a kill
 * goes to the namespace init alone. unshare passes the child's exit on, except a SIGKILL it
 * cannot re-raise (util-linux 2.38 exits 1 after "sigprocmask unblock failed"), which is read back
 * as SIGKILL. Whether namespaces are allowed is probed once per thread (`unshare --version` under
 * the same flags); where they are not, a start fails with SPAWN, reason `init_required`.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { ChildExitInfo } from '../src/protocol/port-messages.js';
import { wireError } from './outcome.js';
import { linuxTool } from './platform/executable.js';

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

function runProbe(): Promise<NamespaceProbe> {
  const unshare = linuxTool(UNSHARE_CANDIDATES, process.platform);
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
  probed ??= runProbe();
  return launcherFrom(await probed);
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
