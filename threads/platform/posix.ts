/**
 * The POSIX layers: Linux, and macOS (with every other POSIX system). Every child leads its own
 * process group (`detached`), so a kill reaches grandchildren such as `lake` -> `lean` through
 * the negative pid; the main thread's watchdog kills the listed groups if the process dies. On
 * Linux each child also runs under `setpriv --pdeathsig SIGKILL`, so it dies with the thread that
 * spawned it, and memory is read from `/proc`; on the portable path (no setpriv, no `/proc`, or
 * `LEAN_WORKER_PORTABLE=1`) and on macOS memory comes from `ps` and pidusage instead.
 */
import type { PlatformMechanisms } from '../../src/protocol/platform.js';
import { treeKillPlan } from '../../src/protocol/platform.js';
import type { ThreadPlatform } from './contract.js';
import { resolveExecutable } from './executable.js';
import { sampleProcTree } from './proc-memory.js';
import type { ProcessRunner } from './runner.js';
import { samplePidusage, unavailableSample } from './tree-memory.js';

export function posixPlatform(
  mechanisms: PlatformMechanisms,
  runner: ProcessRunner,
  setpriv: string | null,
): ThreadPlatform {
  return {
    mechanisms,
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
