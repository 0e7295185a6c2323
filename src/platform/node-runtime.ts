/**
 * How to run a Node script from this process, whatever hosts it. In Node that is
 * `process.execPath`. In Electron `process.execPath` is the app: run with `ELECTRON_RUN_AS_NODE=1`
 * it behaves as Node (without it, a second copy of the app starts); on macOS the app's Helper
 * binary is used when present, so no Dock icon appears. An app that burnt its `RunAsNode` fuse
 * cannot run Node scripts at all: `checkNodeRuntime` says so with the fix, before anything is
 * spawned. JS children built with `lean-worker-pool/child` run through `nodeWorker(script)`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, makeError } from '../errors.js';
import { readRunAsNodeFuse } from './electron-fuse.js';

/** A command and the environment it needs to run a Node script. */
export interface NodeRuntime {
  readonly host: 'node' | 'electron';
  readonly command: string;
  /** Variables to add to the child's environment (empty in Node). */
  readonly env: Readonly<Record<string, string>>;
}

/** What `nodeRuntime` reads of the running process (tests pass their own). */
export interface RuntimeHost {
  readonly execPath: string;
  readonly platform: NodeJS.Platform;
  readonly versions: Readonly<Record<string, string | undefined>>;
}

/** The Helper binary beside a macOS app's executable (`<Product> Helper.app`), if it exists. */
function macHelper(executable: string): string | null {
  const macos = path.dirname(executable);
  if (path.basename(macos) !== 'MacOS' || path.basename(path.dirname(macos)) !== 'Contents') return null;
  const product = path.basename(executable);
  const helper = path.join(macos, `../Frameworks/${product} Helper.app/Contents/MacOS/${product} Helper`);
  return existsSync(helper) ? helper : null;
}

/** The command and environment that run a Node script from `host` (this process by default). */
export function nodeRuntime(host: RuntimeHost = process): NodeRuntime {
  if (host.versions.electron === undefined) return { host: 'node', command: host.execPath, env: {} };
  const command = (host.platform === 'darwin' && macHelper(host.execPath)) || host.execPath;
  return { host: 'electron', command, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

/**
 * The builder's `worker` option for a JS child (`lean-worker-pool/child`) at `script`: run by
 * this process's Node runtime, with the environment it needs.
 */
export function nodeWorker(script: string, args: readonly string[] = [], host: RuntimeHost = process) {
  const { command, env } = nodeRuntime(host);
  return { command, args: [script, ...args], env: { ...env } };
}

/**
 * Resolves when `nodeRuntime(host)` can run Node scripts; in an Electron app whose `RunAsNode`
 * fuse is off, throws `SPAWN` (`facts.reason: 'run_as_node_disabled'`) with the fix. Reads the
 * fuse from the app's binary; spawns nothing.
 */
export async function checkNodeRuntime(host: RuntimeHost = process): Promise<NodeRuntime> {
  const runtime = nodeRuntime(host);
  if (runtime.host === 'node') return runtime;
  const fuse = await readRunAsNodeFuse(host.execPath).catch(() => 'unknown' as const);
  if (fuse === 'disabled' || fuse === 'removed') {
    throw makeError(ErrorCode.SPAWN, 'this Electron app cannot run Node scripts: its RunAsNode fuse is off', {
      facts: {
        reason: 'run_as_node_disabled',
        command: runtime.command,
        fuse,
        fix:
          'keep the RunAsNode fuse on when packaging (@electron/fuses: [FuseV1Options.RunAsNode]: true), ' +
          'or give JS children and helpers a separate Node binary as their worker command',
      },
    });
  }
  return runtime;
}
