/**
 * Last line of defence against orphans. A child dies with its supervisor thread through its own
 * parent-death signal (`setpriv --pdeathsig`), but that signal does not reach its descendants
 * (`lake` -> `lean`, or anything a child forks): they are reparented and live on. So:
 *
 * - when this Node process exits (normally, by `process.exit()`, or after an uncaught exception),
 *   the process groups of every live child are killed;
 * - when it dies without running any code (SIGKILL, or a signal with no handler such as
 *   SIGTERM), a small watchdog process notices: it reads the list of groups on a pipe from this
 *   process, and the kernel closes that pipe however this process ends. On end of input it kills
 *   every group still listed. The watchdog runs in its own session so a signal sent to this
 *   process's group does not take it too. One watchdog per process, started with the first child.
 *
 * Limit: a group is listed once the child's handshake is reported to the main thread; a grandchild
 * forked before that and a parent killed in that window escape both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

const groups = new Set<number>();
let installed = false;
let watchdog: ChildProcess | null = null;

/** The watchdog's program: keep the listed groups, kill them all when the pipe closes. */
const WATCHDOG_SOURCE = `
const groups = new Set();
let pending = '';
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let at;
  while ((at = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, at);
    pending = pending.slice(at + 1);
    const pid = Number(line.slice(1));
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    if (line[0] === '+') groups.add(pid);
    else groups.delete(pid);
  }
});
const end = () => {
  for (const pid of groups) {
    try { process.kill(-pid, 'SIGKILL'); } catch {}
  }
  process.exit(0);
};
process.stdin.on('end', end);
process.stdin.on('error', end);
`;

function killAll(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

/** Start the watchdog once (Linux only); it never keeps this process alive. */
function ensureWatchdog(): void {
  if (watchdog || process.platform !== 'linux') return;
  try {
    const proc = spawn(process.execPath, ['--max-old-space-size=16', '-e', WATCHDOG_SOURCE], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: {},
      shell: false,
    });
    proc.on('error', () => {
      if (watchdog === proc) watchdog = null;
    });
    proc.on('exit', () => {
      if (watchdog === proc) watchdog = null;
    });
    proc.stdin?.on('error', () => {});
    proc.unref();
    (proc.stdin as Socket | null)?.unref();
    watchdog = proc;
  } catch {
    watchdog = null;
  }
}

function tell(line: string): void {
  try {
    watchdog?.stdin?.write(line);
  } catch {
    // the watchdog is gone; the exit hook still covers orderly exits
  }
}

/** Track the process group led by `pid` until `forget` is called. */
export function guardProcessGroup(pid: number): void {
  if (!installed) {
    installed = true;
    process.once('exit', killAll);
  }
  ensureWatchdog();
  groups.add(pid);
  tell(`+${pid}\n`);
}

export function forgetProcessGroup(pid: number): void {
  if (groups.delete(pid)) tell(`-${pid}\n`);
}

/** Process groups currently guarded (for diagnostics and tests). */
export function guardedGroupCount(): number {
  return groups.size;
}
