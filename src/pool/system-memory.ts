/**
 * Memory of the machine and of the cgroup the pool runs in, by platform. Linux: `/proc/meminfo`
 * `MemAvailable`, and the limit and usage of this process's own cgroup as `/proc/self/cgroup`
 * names it (v2 `memory.max` / `memory.current`, v1 `memory.limit_in_bytes` /
 * `memory.usage_in_bytes` of the memory controller's hierarchy), or of an ancestor whose limit
 * leaves less room. macOS, Windows and the Linux portable path: `process.availableMemory()`
 * (`os.freemem()` where Node lacks it). Synchronous reads of a few small files (tens of
 * microseconds); the pool calls it from its background sampler only. `reading` says which
 * sources were used, and how worker memory is read, so a platform without a reading shows it.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { platformMechanisms } from '../platform/mechanisms.js';
import type { HeadroomSource, MemoryReading, PlatformMechanisms } from '../protocol/platform.js';

/** What the system says about memory; every figure is null when it cannot be read. */
export interface SystemMemory {
  readonly memAvailableKib: number | null;
  readonly cgroup: {
    readonly version: 1 | 2 | null;
    /** The cgroup limit, null when unlimited or unknown. */
    readonly maxKib: number | null;
    readonly currentKib: number | null;
  };
  /** Memory a new worker may still take: the lower of MemAvailable and the cgroup's room. */
  readonly headroomKib: number | null;
  /**
   * Where the figures come from: `machine` is what the system reserve is held against (`none`:
   * the reserve is not enforced); `workers` is how each worker's tree is measured for the pool
   * budget, ceilings and limits (`none`: memory admission has no figures on this platform).
   */
  readonly reading: { readonly machine: HeadroomSource; readonly workers: MemoryReading };
}

/** What the portable reading asks of the process (tests pass their own). */
export interface MachineMemoryHost {
  /** `process.availableMemory()` where Node has it (bytes). */
  readonly availableMemory?: (() => number) | undefined;
  /** `os.freemem()` (bytes). */
  readonly freemem: () => number;
}

const PROCESS_HOST: MachineMemoryHost = {
  availableMemory:
    typeof process.availableMemory === 'function' ? () => process.availableMemory() : undefined,
  freemem: () => os.freemem(),
};

/** Where the files are; tests point this at a fake tree. */
export interface SystemMemoryPaths {
  readonly proc: string;
  readonly cgroupRoot: string;
}

const DEFAULT_PATHS: SystemMemoryPaths = { proc: '/proc', cgroupRoot: '/sys/fs/cgroup' };

/** v1 reports "unlimited" as a huge page-aligned number. */
const V1_UNLIMITED_BYTES = 2 ** 62;

function read(file: string): string | null {
  try {
    return readFileSync(file, 'latin1').trim();
  } catch {
    return null;
  }
}

function bytesToKib(text: string | null): number | null {
  if (text === null || text === '' || text === 'max') return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || n >= V1_UNLIMITED_BYTES) return null;
  return Math.floor(n / 1024);
}

function memAvailable(proc: string): number | null {
  const text = read(path.join(proc, 'meminfo'));
  const m = text?.match(/^MemAvailable:\s+(\d+)\s*kB/m);
  return m ? Number(m[1]) : null;
}

/**
 * The directory of this process's own cgroup under `mount`, as `/proc/self/cgroup` names it: the
 * `0::` line for v2, the line listing the `memory` controller for v1. Null when the file names
 * none, or a path outside the mount (never followed, whatever the file says).
 */
function ownDir(paths: SystemMemoryPaths, mount: string, version: 1 | 2): string | null {
  const lines = read(path.join(paths.proc, 'self', 'cgroup'))?.split('\n') ?? [];
  const line = lines
    .map((l) => l.split(':'))
    .find(([id, controllers]) =>
      version === 2 ? id === '0' && controllers === '' : controllers?.split(',').includes('memory'),
    );
  if (!line || line.length < 3) return null;
  const dir = path.join(mount, path.normalize(`/${line.slice(2).join(':')}`));
  const rel = path.relative(mount, dir);
  return rel.startsWith('..') || path.isAbsolute(rel) ? null : dir;
}

/**
 * The figures of the level that binds: from the process's own cgroup up to the mount's root
 * (which stands in for the own cgroup when its directory is not visible, as in a container's own
 * mount), the limited level with the least room; with no limit anywhere, the own level's usage.
 */
function bindingLevel(
  mount: string,
  own: string | null,
  files: { readonly limit: string; readonly usage: string },
): { maxKib: number | null; currentKib: number | null } | null {
  let best: { maxKib: number | null; currentKib: number | null } | null = null;
  let bestRoom = Number.POSITIVE_INFINITY;
  for (let dir = own ?? mount; ; dir = path.dirname(dir)) {
    const currentKib = bytesToKib(read(path.join(dir, files.usage)));
    const maxKib = bytesToKib(read(path.join(dir, files.limit)));
    if (currentKib !== null) {
      best ??= { maxKib: null, currentKib };
      if (maxKib !== null && maxKib - currentKib < bestRoom) {
        bestRoom = maxKib - currentKib;
        best = { maxKib, currentKib };
      }
    }
    if (path.relative(mount, dir) === '') return best;
  }
}

function cgroupFigures(paths: SystemMemoryPaths): SystemMemory['cgroup'] {
  const root = paths.cgroupRoot;
  const v2 = read(path.join(root, 'cgroup.controllers')) !== null;
  const mount = v2 ? root : path.join(root, 'memory');
  const files = v2
    ? { limit: 'memory.max', usage: 'memory.current' }
    : { limit: 'memory.limit_in_bytes', usage: 'memory.usage_in_bytes' };
  const own = ownDir(paths, mount, v2 ? 2 : 1);
  const level = bindingLevel(mount, own, files) ?? (own ? bindingLevel(mount, null, files) : null);
  if (v2) return { version: 2, ...(level ?? { maxKib: null, currentKib: null }) };
  return level ? { version: 1, ...level } : { version: null, maxKib: null, currentKib: null };
}

/** The Linux figures from `paths`. */
function readLinux(paths: SystemMemoryPaths, workers: MemoryReading): SystemMemory {
  const memAvailableKib = memAvailable(paths.proc);
  const cgroup = cgroupFigures(paths);
  const cgroupRoom =
    cgroup.maxKib !== null && cgroup.currentKib !== null
      ? Math.max(0, cgroup.maxKib - cgroup.currentKib)
      : null;
  const candidates = [memAvailableKib, cgroupRoom].filter((v): v is number => v !== null);
  return {
    memAvailableKib,
    cgroup,
    headroomKib: candidates.length > 0 ? Math.min(...candidates) : null,
    reading: { machine: candidates.length > 0 ? 'meminfo-cgroup' : 'none', workers },
  };
}

/** The portable figures: `process.availableMemory()`, else `os.freemem()`; no cgroup. */
export function readPortable(host: MachineMemoryHost, workers: MemoryReading): SystemMemory {
  const [bytes, machine]: [number, HeadroomSource] = host.availableMemory
    ? [host.availableMemory(), 'available-memory']
    : [host.freemem(), 'freemem'];
  const kib = Number.isFinite(bytes) && bytes >= 0 ? Math.floor(bytes / 1024) : null;
  return {
    memAvailableKib: kib,
    cgroup: { version: null, maxKib: null, currentKib: null },
    headroomKib: kib,
    reading: { machine: kib === null ? 'none' : machine, workers },
  };
}

/**
 * Read the system's memory figures now, the way this platform's layer does. `paths` (a fake
 * `/proc` and cgroup mount in tests) forces the Linux reading.
 */
export function readSystemMemory(
  paths?: SystemMemoryPaths,
  mechanisms: PlatformMechanisms = platformMechanisms(),
  host: MachineMemoryHost = PROCESS_HOST,
): SystemMemory {
  if (paths) return readLinux(paths, mechanisms.memoryReading);
  if (mechanisms.memoryReading === 'proc') return readLinux(DEFAULT_PATHS, 'proc');
  return readPortable(host, mechanisms.memoryReading);
}
