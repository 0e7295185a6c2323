/**
 * Machine headroom by platform: `/proc/meminfo` and the process's own cgroup on Linux (fake trees
 * in test/pool/system-memory.test.ts), `process.availableMemory()` elsewhere, `os.freemem()` where
 * Node lacks it; and the `reading` field that says which, and how worker memory is read.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { platformMechanisms } from '../../src/platform/mechanisms.js';
import { readPortable, readSystemMemory } from '../../src/pool/system-memory.js';
import { mechanismsOf } from '../../src/protocol/platform.js';

const MAC = mechanismsOf({ platform: 'darwin', portable: false, setpriv: false, proc: false });
const WINDOWS = mechanismsOf({ platform: 'win32', portable: false, setpriv: false, proc: false });
const GIB = 2 ** 30;
const MIB = 2 ** 20;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake root with `proc/` and `sys/fs/cgroup/` holding `files` (path -> content). */
function fakeRoot(files: Record<string, string>) {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lwp-root-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return { proc: path.join(root, 'proc'), cgroupRoot: path.join(root, 'sys/fs/cgroup') };
}

const MEMINFO = 'MemTotal: 16000000 kB\nMemAvailable: 9000000 kB\n';

describe('the process own cgroup (fake /proc and /sys trees)', () => {
  it('v1: the memory controller path, and the ancestor whose limit leaves the least room', () => {
    const paths = fakeRoot({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '12:pids:/other\n7:memory:/team/job\n1:name=systemd:/x\n',
      'sys/fs/cgroup/memory/memory.usage_in_bytes': String(8 * GIB),
      'sys/fs/cgroup/memory/team/memory.limit_in_bytes': String(1 * GIB),
      'sys/fs/cgroup/memory/team/memory.usage_in_bytes': String(900 * MIB),
      'sys/fs/cgroup/memory/team/job/memory.limit_in_bytes': String(4 * GIB),
      'sys/fs/cgroup/memory/team/job/memory.usage_in_bytes': String(100 * MIB),
    });
    const m = readSystemMemory(paths);
    expect(m.cgroup).toEqual({ version: 1, maxKib: 1024 * 1024, currentKib: 900 * 1024 });
    expect(m.headroomKib).toBe(124 * 1024);
    expect(m.reading.machine).toBe('meminfo-cgroup');
  });

  it('v2: a level without memory files (controller not enabled there) is passed over for its parent', () => {
    const paths = fakeRoot({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '0::/app.slice/pool.service\n',
      'sys/fs/cgroup/cgroup.controllers': 'cpu memory\n',
      'sys/fs/cgroup/app.slice/pool.service/cgroup.procs': '123\n',
      'sys/fs/cgroup/app.slice/memory.max': String(2 * GIB),
      'sys/fs/cgroup/app.slice/memory.current': String(1.5 * GIB),
    });
    expect(readSystemMemory(paths).cgroup).toEqual({
      version: 2,
      maxKib: 2 * 1024 * 1024,
      currentKib: 1.5 * 1024 * 1024,
    });
  });

  it('v2 in a container: the named path is not in its own mount, so the mount root stands for it', () => {
    const paths = fakeRoot({
      'proc/meminfo': MEMINFO,
      'proc/self/cgroup': '0::/system.slice/docker-0123abcd.scope\n',
      'sys/fs/cgroup/cgroup.controllers': 'memory\n',
      'sys/fs/cgroup/memory.max': String(512 * MIB),
      'sys/fs/cgroup/memory.current': String(256 * MIB),
    });
    const m = readSystemMemory(paths);
    expect(m.cgroup).toEqual({ version: 2, maxKib: 512 * 1024, currentKib: 256 * 1024 });
    expect(m.headroomKib).toBe(256 * 1024);
  });
});

describe('machine headroom', () => {
  it('is process.availableMemory() on macOS and Windows, and says so', () => {
    const host = { availableMemory: () => 6 * GIB, freemem: () => 1 * GIB };
    for (const mechanisms of [MAC, WINDOWS]) {
      expect(readSystemMemory(undefined, mechanisms, host)).toEqual({
        memAvailableKib: 6 * 2 ** 20,
        cgroup: { version: null, maxKib: null, currentKib: null },
        headroomKib: 6 * 2 ** 20,
        reading: { machine: 'available-memory', workers: 'pidusage' },
      });
    }
  });

  it('falls back to os.freemem() where Node has no process.availableMemory(), and says which', () => {
    const m = readSystemMemory(undefined, MAC, { freemem: () => 3 * GIB });
    expect(m.headroomKib).toBe(3 * 2 ** 20);
    expect(m.reading).toEqual({ machine: 'freemem', workers: 'pidusage' });
  });

  it('says none, not zero, when the figure is not a number, and carries a missing worker reading', () => {
    const noReading = mechanismsOf({ platform: 'haiku', portable: false, setpriv: false, proc: false });
    const m = readPortable({ availableMemory: () => Number.NaN, freemem: () => 0 }, noReading.memoryReading);
    expect(m).toMatchObject({ headroomKib: null, reading: { machine: 'none', workers: 'none' } });
  });

  it('reads /proc and the cgroup on this Linux machine, and availableMemory() on the portable path', () => {
    const here = readSystemMemory();
    expect(here.reading).toEqual({ machine: 'meminfo-cgroup', workers: 'proc' });
    expect(here.memAvailableKib).toBeGreaterThan(0);
    const portable = platformMechanisms({ LEAN_WORKER_PORTABLE: '1' });
    expect(portable).toMatchObject({ layer: 'linux', portable: true, memoryReading: 'pidusage' });
    const m = readSystemMemory(undefined, portable);
    expect(m.reading).toEqual({ machine: 'available-memory', workers: 'pidusage' });
    expect(m.cgroup.version).toBeNull();
    expect(m.headroomKib).toBeGreaterThan(0);
  });
});
