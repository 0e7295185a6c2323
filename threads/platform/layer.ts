/**
 * The platform layer of a supervisor thread: the `ThreadPlatform` (POSIX or Windows) that
 * `process.platform` selects, chosen once per thread. Which mechanisms each
 * layer uses is decided in `src/protocol/platform.ts`, where the main thread reads the same
 * decision.
 */
import {
  isPortable,
  mechanismsOf,
  type PlatformFacts,
  type PlatformMechanisms,
  SETPRIV_CANDIDATES,
  treeKillPlan,
} from '../../src/protocol/platform.js';
import type { MemorySample } from '../../src/protocol/port-messages.js';
import { type FileProbe, linuxTool, nodeFileProbe, resolveExecutable } from './executable.js';
import { nodeRunner, type ProcessRunner } from './runner.js';
import { hasProc, samplePidusage, sampleProcTree, unavailableSample } from './tree-memory.js';

/** How to start a command: the file and arguments to spawn, and whether detached. */
export interface SpawnPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** POSIX: the child leads a new process group. Windows: false, so libuv's job object holds it. */
  readonly detached: boolean;
}

/** What a supervisor thread asks of its platform: spawn guarded, kill a tree, sample a tree's memory, find an executable. */
export interface ThreadPlatform {
  /** How to start `argv` (command first) so that it dies with this thread or process. */
  spawnPlan(argv: readonly string[], env: Readonly<Record<string, string>>, cwd: string): SpawnPlan;
  /**
   * Whether the tree can still be killed once the child itself exited: a POSIX process group
   * outlives its leader; Windows finds a tree through the live parent only.
   */
  readonly treeOutlivesChild: boolean;
  /**
   * Kill `pid` and its descendants. `direct` kills the child alone; it is called when the tree
   * kill cannot be done (no such group, taskkill failed).
   */
  killTree(pid: number, signal: NodeJS.Signals, direct: () => void): void;
  /** Memory of `pid`'s tree; `withPss` adds PSS where the layer can read it. */
  sampleTree(pid: number, withPss: boolean): Promise<MemorySample>;
  /** The file `command` runs; throws ENOENT, EACCES or EINVAL. */
  resolveExecutable(command: string, env: Readonly<Record<string, string>>, cwd: string): string;
}

const TASKKILL_TIMEOUT_MS = 10_000;

/**
 * The POSIX layers: Linux, and macOS (with every other POSIX system). Every child leads its own
 * process group (`detached`), so a kill reaches grandchildren such as `lake` -> `lean` through
 * the negative pid; the main thread's watchdog kills the listed groups if the process dies. On
 * Linux each child also runs under `setpriv --pdeathsig SIGKILL`, so it dies with the thread that
 * spawned it, and memory is read from `/proc`; on the portable path (no setpriv, no `/proc`, or
 * `LEAN_WORKER_PORTABLE=1`) and on macOS memory comes from `ps` and pidusage instead.
 */
function posixPlatform(
  mechanisms: PlatformMechanisms,
  runner: ProcessRunner,
  setpriv: string | null,
): ThreadPlatform {
  return {
    treeOutlivesChild: true,
    spawnPlan: (argv) => {
      const [command, ...args] = argv as [string, ...string[]];
      return setpriv
        ? { file: setpriv, args: ['--pdeathsig', 'SIGKILL', '--', ...argv], detached: true }
        : { file: command, args, detached: true };
    },
    killTree: (pid, signal, direct) => {
      const plan = treeKillPlan(mechanisms.layer, pid);
      if (plan.kind !== 'group') return direct();
      try {
        runner.signal(plan.target, signal);
      } catch {
        direct();
      }
    },
    sampleTree: async (pid, withPss) => {
      if (mechanisms.memoryReading === 'proc') return sampleProcTree(pid, withPss);
      if (mechanisms.memoryReading === 'pidusage') return samplePidusage(runner, pid, true);
      return unavailableSample('none');
    },
    resolveExecutable: (command, env, cwd) => resolveExecutable(command, env, cwd, false),
  };
}

/**
 * The Windows layer. Children are not detached: libuv puts every such child in a job object that
 * is closed, killing the child, when this process ends however it ends (`detached` would take the
 * child out of it and open a console). There are no process groups: a tree is killed with
 * `taskkill /T /F /PID` (the child alone when taskkill cannot). Memory is the child's own,
 * through pidusage (listing the tree would cost a PowerShell start per sample); executables are
 * found through `PATHEXT`. Grandchildren are outside libuv's job: a parent that dies without
 * running any code leaves them to end when their pipes close.
 */
export function windowsPlatform(
  mechanisms: PlatformMechanisms,
  runner: ProcessRunner,
  systemRoot: string | undefined,
  probe: FileProbe = nodeFileProbe,
): ThreadPlatform {
  return {
    treeOutlivesChild: false,
    spawnPlan: (argv, env, cwd) => {
      const [command, ...args] = argv as [string, ...string[]];
      // Spawn the file PATHEXT found (`lake` -> `C:\...\lake.exe`): libuv itself tries only .com and .exe.
      return { file: resolveExecutable(command, env, cwd, true, probe), args, detached: false };
    },
    killTree: (pid, _signal, direct) => {
      const plan = treeKillPlan('windows', pid, systemRoot);
      if (plan.kind !== 'command') return direct();
      runner.run(plan.file, plan.args, TASKKILL_TIMEOUT_MS).then(
        (result) => {
          if (result.code !== 0) direct();
        },
        () => direct(),
      );
    },
    sampleTree: async (pid) =>
      mechanisms.memoryReading === 'none' ? unavailableSample('none') : samplePidusage(runner, pid, false),
    resolveExecutable: (command, env, cwd) => resolveExecutable(command, env, cwd, true, probe),
  };
}

/** The `setpriv` binary used for parent-death signals on Linux, or null. */
export function findSetpriv(platform: string = process.platform): string | null {
  return linuxTool(SETPRIV_CANDIDATES, platform);
}

/** The layer for `facts`, acting through `runner`. */
export function platformFor(
  facts: PlatformFacts,
  runner: ProcessRunner,
  setprivPath: string | null,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ThreadPlatform {
  const mechanisms = mechanismsOf(facts);
  if (mechanisms.layer === 'windows') return windowsPlatform(mechanisms, runner, env.SystemRoot);
  return posixPlatform(
    mechanisms,
    runner,
    mechanisms.spawnGuard === 'setpriv-pdeathsig' ? setprivPath : null,
  );
}

let current: ThreadPlatform | null = null;

/** This thread's layer (chosen on first use, from this process and its environment). */
export function threadPlatform(): ThreadPlatform {
  if (current) return current;
  const setpriv = findSetpriv();
  const facts = {
    platform: process.platform,
    portable: isPortable(process.env),
    setpriv: setpriv !== null,
    proc: hasProc,
  };
  current = platformFor(facts, nodeRunner, setpriv);
  return current;
}
