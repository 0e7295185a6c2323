/**
 * The platform layer of a supervisor thread: the implementation of `ThreadPlatform`
 * (`contract.ts`) that `process.platform` selects, chosen once per thread. Which mechanisms each
 * layer uses is decided in `src/protocol/platform.ts`, where the main thread reads the same
 * decision.
 */
import {
  isPortable,
  mechanismsOf,
  type PlatformFacts,
  SETPRIV_CANDIDATES,
} from '../../src/protocol/platform.js';
import type { ThreadPlatform } from './contract.js';
import { linuxTool } from './executable.js';
import { posixPlatform } from './posix.js';
import { hasProc } from './proc-memory.js';
import { nodeRunner, type ProcessRunner } from './runner.js';
import { windowsPlatform } from './windows.js';

export type { SpawnPlan, ThreadPlatform } from './contract.js';

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
