/**
 * The Windows layer. Children are not detached: libuv puts every such child in a job object that
 * is closed, killing the child, when this process ends however it ends (`detached` would take the
 * child out of it and open a console). There are no process groups: a tree is killed with
 * `taskkill /T /F /PID` (the child alone when taskkill cannot). Memory is the child's own,
 * through pidusage (listing the tree would cost a PowerShell start per sample); executables are
 * found through `PATHEXT`. Grandchildren are outside libuv's job: a parent that dies without
 * running any code leaves them to end when their pipes close.
 */
import type { PlatformMechanisms } from '../../src/protocol/platform.js';
import { treeKillPlan } from '../../src/protocol/platform.js';
import type { ThreadPlatform } from './contract.js';
import { type FileProbe, nodeFileProbe, resolveExecutable } from './executable.js';
import type { ProcessRunner } from './runner.js';
import { samplePidusage, unavailableSample } from './tree-memory.js';

const TASKKILL_TIMEOUT_MS = 10_000;

export function windowsPlatform(
  mechanisms: PlatformMechanisms,
  runner: ProcessRunner,
  systemRoot: string | undefined,
  probe: FileProbe = nodeFileProbe,
): ThreadPlatform {
  return {
    mechanisms,
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
