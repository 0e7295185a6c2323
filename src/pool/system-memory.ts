/**
 * Memory of the machine and of the cgroup the pool runs in: `/proc/meminfo` `MemAvailable`, and
 * the cgroup's limit and usage (v2 `memory.max` / `memory.current` of this process's own cgroup,
 * else v1 `memory.limit_in_bytes` / `memory.usage_in_bytes`). Synchronous reads of a few small
 * files (tens of microseconds); the pool calls it from its background sampler only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

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
}

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

/** This process's cgroup v2 directory (`0::/path` in /proc/self/cgroup), if any. */
function ownV2Dir(paths: SystemMemoryPaths): string | null {
  const text = read(path.join(paths.proc, 'self', 'cgroup'));
  const line = text?.split('\n').find((l) => l.startsWith('0::'));
  if (line === undefined) return null;
  const rel = line.slice(3);
  // Never leave the cgroup mount, whatever the file says.
  const dir = path.join(paths.cgroupRoot, path.normalize(`/${rel}`));
  return dir.startsWith(paths.cgroupRoot) ? dir : null;
}

function cgroupFigures(paths: SystemMemoryPaths): SystemMemory['cgroup'] {
  if (read(path.join(paths.cgroupRoot, 'cgroup.controllers')) !== null) {
    const dirs = [ownV2Dir(paths), paths.cgroupRoot].filter((d): d is string => d !== null);
    for (const dir of dirs) {
      const current = read(path.join(dir, 'memory.current'));
      if (current === null) continue;
      return {
        version: 2,
        maxKib: bytesToKib(read(path.join(dir, 'memory.max'))),
        currentKib: bytesToKib(current),
      };
    }
    return { version: 2, maxKib: null, currentKib: null };
  }
  const v1 = path.join(paths.cgroupRoot, 'memory');
  const usage = read(path.join(v1, 'memory.usage_in_bytes'));
  if (usage !== null) {
    return {
      version: 1,
      maxKib: bytesToKib(read(path.join(v1, 'memory.limit_in_bytes'))),
      currentKib: bytesToKib(usage),
    };
  }
  return { version: null, maxKib: null, currentKib: null };
}

/** Read the system's memory figures now. */
export function readSystemMemory(paths: SystemMemoryPaths = DEFAULT_PATHS): SystemMemory {
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
  };
}
