/**
 * The platform mechanisms of this process, as the main thread sees them: the same decision a
 * supervisor thread makes (`src/protocol/platform.ts`), from the same facts (`setpriv` on disk,
 * `/proc` readable, `LEAN_WORKER_PORTABLE`). `doctor` prints them; the snapshot's
 * `memory.system.reading` carries the memory part.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import {
  isPortable,
  mechanismsOf,
  type PlatformMechanisms,
  SETPRIV_CANDIDATES,
} from '../protocol/platform.js';

type LinuxProbes = { readonly setprivPath: string | null; readonly proc: boolean };
let probed: LinuxProbes | null = null;

/** Whether `probe` runs without throwing. */
function succeeds(probe: () => unknown): boolean {
  try {
    probe();
    return true;
  } catch {
    return false;
  }
}

/** The Linux facts, probed once: the `setpriv` a supervisor thread would use, and `/proc`. */
export function linuxProbes(): LinuxProbes {
  probed ??=
    process.platform === 'linux'
      ? {
          setprivPath: SETPRIV_CANDIDATES.find((c) => succeeds(() => accessSync(c, constants.X_OK))) ?? null,
          proc: succeeds(() => readFileSync('/proc/self/status')),
        }
      : { setprivPath: null, proc: false };
  return probed;
}

/** The mechanisms this process's platform layer uses (the environment is read on each call). */
export function platformMechanisms(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PlatformMechanisms {
  const { setprivPath, proc } = linuxProbes();
  return mechanismsOf({
    platform: process.platform,
    portable: isPortable(env),
    setpriv: setprivPath !== null,
    proc,
  });
}
