import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { readSystemMemory } from '../../src/pool/system-memory.js';
import { echo, makePool, rejection, source } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake /proc and cgroup mount with the given files (path -> content). */
function tree(files: Record<string, string>) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lwp-sysmem-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return { proc: path.join(root, 'proc'), cgroupRoot: path.join(root, 'cgroup') };
}

const GIB = 2 ** 30;
const GIB_IN_KIB = 2 ** 20;
const meminfo = 'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n';

describe('system memory', () => {
  it('reads MemAvailable and the cgroup v2 figures of the process own cgroup', () => {
    const paths = tree({
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '0::/workers/pool\n',
      'cgroup/cgroup.controllers': 'cpu memory\n',
      'cgroup/memory.current': String(1 * GIB),
      'cgroup/workers/pool/memory.max': String(4 * GIB),
      'cgroup/workers/pool/memory.current': String(3 * GIB),
    });
    const m = readSystemMemory(paths);
    expect(m.memAvailableKib).toBe(8_000_000);
    expect(m.cgroup).toEqual({ version: 2, maxKib: 4 * GIB_IN_KIB, currentKib: 3 * GIB_IN_KIB });
    // The cgroup's room (1 GiB) is smaller than MemAvailable.
    expect(m.headroomKib).toBe(1 * GIB_IN_KIB);
  });

  it('treats "max" as no limit and falls back to the root cgroup', () => {
    const paths = tree({
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '0::/gone\n',
      'cgroup/cgroup.controllers': 'memory\n',
      'cgroup/memory.max': 'max\n',
      'cgroup/memory.current': String(2 * GIB),
    });
    const m = readSystemMemory(paths);
    expect(m.cgroup).toEqual({ version: 2, maxKib: null, currentKib: 2 * GIB_IN_KIB });
    expect(m.headroomKib).toBe(8_000_000);
  });

  it('never leaves the cgroup mount for a hostile cgroup path', () => {
    const paths = tree({
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '0::/../../outside\n',
      'cgroup/cgroup.controllers': 'memory\n',
      'cgroup/memory.current': '1024',
      'outside/memory.current': '999999999',
    });
    expect(readSystemMemory(paths).cgroup.currentKib).toBe(1);
  });

  it('reads cgroup v1 and ignores its "unlimited" value', () => {
    const limited = tree({
      'proc/meminfo': meminfo,
      'cgroup/memory/memory.limit_in_bytes': String(2 * GIB),
      'cgroup/memory/memory.usage_in_bytes': String(1 * GIB),
    });
    expect(readSystemMemory(limited).cgroup).toEqual({
      version: 1,
      maxKib: 2 * GIB_IN_KIB,
      currentKib: 1 * GIB_IN_KIB,
    });
    expect(readSystemMemory(limited).headroomKib).toBe(1 * GIB_IN_KIB);
    const unlimited = tree({
      'proc/meminfo': meminfo,
      'cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
      'cgroup/memory/memory.usage_in_bytes': String(1 * GIB),
    });
    expect(readSystemMemory(unlimited).cgroup.maxKib).toBeNull();
  });

  it('reads cgroup v1 of the memory controller line in /proc/self/cgroup, not the hierarchy root', () => {
    const paths = tree({
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '9:name=systemd:/\n5:cpuacct,cpu:/\n4:memory:/job/42\n0::/\n',
      'cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
      'cgroup/memory/memory.usage_in_bytes': String(6 * GIB),
      'cgroup/memory/job/42/memory.limit_in_bytes': String(500 * 2 ** 20),
      'cgroup/memory/job/42/memory.usage_in_bytes': String(100 * 2 ** 20),
    });
    const m = readSystemMemory(paths);
    expect(m.cgroup).toEqual({ version: 1, maxKib: 500 * 1024, currentKib: 100 * 1024 });
    expect(m.headroomKib).toBe(400 * 1024);
  });

  it('falls back to the mount root when the named cgroup is not visible (a container mount)', () => {
    for (const [version, files] of [
      [
        1,
        {
          'proc/self/cgroup': '4:memory:/docker/abc\n',
          'cgroup/memory/memory.limit_in_bytes': String(2 * GIB),
          'cgroup/memory/memory.usage_in_bytes': String(1 * GIB),
        },
      ],
      [
        2,
        {
          'proc/self/cgroup': '0::/docker/abc\n',
          'cgroup/cgroup.controllers': 'memory\n',
          'cgroup/memory.max': String(2 * GIB),
          'cgroup/memory.current': String(1 * GIB),
        },
      ],
    ] as const) {
      const m = readSystemMemory(tree({ 'proc/meminfo': meminfo, ...files }));
      expect(m.cgroup).toEqual({ version, maxKib: 2 * GIB_IN_KIB, currentKib: 1 * GIB_IN_KIB });
    }
  });

  it('takes the ancestor whose limit leaves the least room', () => {
    const paths = tree({
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '0::/team/pool\n',
      'cgroup/cgroup.controllers': 'memory\n',
      'cgroup/memory.current': String(5 * GIB),
      'cgroup/team/memory.max': String(3 * GIB),
      'cgroup/team/memory.current': String(2.5 * GIB),
      'cgroup/team/pool/memory.max': String(4 * GIB),
      'cgroup/team/pool/memory.current': String(1 * GIB),
    });
    const m = readSystemMemory(paths);
    expect(m.cgroup).toEqual({ version: 2, maxKib: 3 * GIB_IN_KIB, currentKib: 2.5 * GIB_IN_KIB });
    expect(m.headroomKib).toBe(0.5 * GIB_IN_KIB);
  });

  it('never leaves the cgroup v1 mount for a hostile path either', () => {
    const paths = tree({
      'proc/meminfo': meminfo,
      'proc/self/cgroup': '4:memory:/../../outside\n',
      'cgroup/memory/memory.usage_in_bytes': '2048',
      'outside/memory.usage_in_bytes': '999999999',
      'outside/memory.limit_in_bytes': '1024',
    });
    expect(readSystemMemory(paths).cgroup).toEqual({ version: 1, maxKib: null, currentKib: 2 });
  });

  it('says unavailable, not zero, when nothing can be read', () => {
    const m = readSystemMemory(tree({}));
    expect(m).toEqual({
      memAvailableKib: null,
      cgroup: { version: null, maxKib: null, currentKib: null },
      headroomKib: null,
      reading: { machine: 'none', workers: 'proc' },
    });
  });
});

describe('admission against system memory', () => {
  it('refuses a cold worker that would eat into the reserve, with the figures', async () => {
    const here = readSystemMemory();
    if (here.headroomKib === null) {
      // Without /proc/meminfo there is nothing to hold the reserve against; the unit tests above
      // cover the reading itself.
      expect(readSystemMemory().memAvailableKib).toBeNull();
      return;
    }
    const reserve = here.headroomKib * 2;
    const pool = makePool({ maxWorkers: 2, systemMemoryReserveKib: reserve });
    try {
      const refused = await rejection(
        pool.acquireLease(source(['S']), { timeoutMs: 0 }),
        ErrorCode.MEMORY_BUDGET,
      );
      expect(refused.facts.systemReserveKib).toBe(reserve);
      expect(refused.facts.systemHeadroomKib as number).toBeGreaterThan(0);
      expect(pool.snapshot().memory.system?.headroomKib).toBeGreaterThan(0);
      expect(pool.snapshot().workers).toBe(0);
    } finally {
      await pool.destroy();
    }
    const ignoring = makePool({ maxWorkers: 1, systemMemoryReserveKib: false });
    try {
      const lease = await ignoring.acquireLease(source(['S']));
      expect(await lease.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
      lease.release();
      expect(ignoring.snapshot().memory.system).toBeNull();
    } finally {
      await ignoring.destroy();
    }
  });
});
