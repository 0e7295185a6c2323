/**
 * The interface of a supervisor thread's platform layer: spawn guarded, kill a tree, sample a
 * tree's memory, find an executable. Implementations (POSIX, Windows): `layer.ts`.
 */
import type { PlatformMechanisms } from '../../src/protocol/platform.js';
import type { MemorySample } from '../../src/protocol/port-messages.js';

/** How to start a command: the file and arguments to spawn, and whether detached. */
export interface SpawnPlan {
  readonly file: string;
  readonly args: readonly string[];
  /** POSIX: the child leads a new process group. Windows: false, so libuv's job object holds it. */
  readonly detached: boolean;
}

export interface ThreadPlatform {
  readonly mechanisms: PlatformMechanisms;
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
