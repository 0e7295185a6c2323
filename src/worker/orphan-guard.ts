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
 *   every group still listed. The watchdog is a `/bin/sh` script (about 1 MiB, and no second copy
 *   of Node or of an Electron app); it runs in its own session so a signal sent to this process's
 *   group does not take it too. One watchdog per process, started with the first child.
 *
 * On Windows there are no process groups and no watchdog: libuv's job object kills each child
 * when this process dies, whatever the cause, and the exit hook kills each child's tree with
 * `taskkill /T /F`; grandchildren of a process killed outright escape (they are outside the job).
 *
 * Limit: a group is listed once the child's spawn is reported to the main thread; a grandchild
 * forked before that and a parent killed in that window escape the watchdog.
 *
 * `GroupGuards` keeps the groups of one supervisor thread's children guarded from the moment a
 * child exists until it is reaped: a child is announced at spawn (one that never handshakes
 * included) or by the generation it started, whichever message comes first; a grandchild it forks
 * before its handshake dies with the parent too.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { layerOf, treeKillPlan } from '../protocol/platform.js';
import type { SupervisorEvent } from '../protocol/port-messages.js';

const groups = new Set<number>();
let installed = false;
let watchdog: ChildProcess | null = null;

/**
 * The watchdog's program, for any POSIX `sh` (no Node: inside Electron `process.execPath` is the
 * app). It ignores the signals a terminal or a group kill sends, keeps the listed groups as a
 * space-separated list, and kills every group left when its input ends.
 */
const WATCHDOG_SCRIPT = `trap '' HUP INT TERM
groups=' '
while IFS= read -r line; do
  pid=\${line#?}
  case $pid in ''|*[!0-9]*|0|1) continue ;; esac
  case $line in
    +*) groups="$groups$pid " ;;
    -*) case $groups in *" $pid "*) groups="\${groups%% $pid *} \${groups#* $pid }" ;; esac ;;
  esac
done
for pid in $groups; do kill -KILL "-$pid" 2>/dev/null; done
`;

/** Kill the tree of `pid` now (an exit hook runs no asynchronous code). */
function killTreeNow(pid: number): void {
  const plan = treeKillPlan(layerOf(process.platform), pid, process.env.SystemRoot);
  try {
    if (plan.kind === 'group') process.kill(plan.target, 'SIGKILL');
    else spawnSync(plan.file, [...plan.args], { stdio: 'ignore', windowsHide: true, timeout: 5_000 });
  } catch {
    // already gone
  }
}

/** Start the watchdog once (POSIX systems); it never keeps this process alive. */
function ensureWatchdog(): void {
  if (watchdog || process.platform === 'win32') return;
  try {
    const proc = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: {},
      shell: false,
    });
    const gone = () => {
      if (watchdog === proc) watchdog = null;
    };
    proc.on('error', gone).on('exit', gone);
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

function forgetProcessGroup(pid: number): void {
  if (groups.delete(pid)) tell(`-${pid}\n`);
}

/** The process groups of one supervisor thread's children. */
export class GroupGuards {
  readonly #pids = new Set<number>();

  /** Guard the group of `pid` (once) until it is reaped, forgotten or this process exits. */
  guard(pid: number): void {
    if (this.#pids.has(pid)) return;
    this.#pids.add(pid);
    if (!installed) {
      installed = true;
      process.once('exit', () => {
        for (const group of groups) killTreeNow(group);
        groups.clear();
      });
    }
    ensureWatchdog();
    groups.add(pid);
    tell(`+${pid}\n`);
  }

  /**
   * Follow the thread's events about children: `spawned` guards, `start_reaped` (a child that
   * never started) and `reap` release. True for the events that concern only the guards.
   */
  follow(event: SupervisorEvent): boolean {
    if (event.type === 'spawned') {
      this.guard(event.pid);
      return true;
    }
    if (event.type === 'start_reaped') {
      if (this.#pids.delete(event.pid)) forgetProcessGroup(event.pid);
      return true;
    }
    if (event.type === 'reap') {
      forgetProcessGroup(event.pid);
      this.#pids.delete(event.pid);
    }
    return false;
  }

  /** The thread has ended: its children are reaped or killed with it. */
  releaseAll(): void {
    for (const pid of this.#pids) forgetProcessGroup(pid);
    this.#pids.clear();
  }
}
