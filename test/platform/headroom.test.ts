/**
 * Machine headroom by platform: `/proc/meminfo` and the process's own cgroup on Linux (fake trees
 * in test/pool/system-memory.test.ts), `process.availableMemory()` elsewhere, `os.freemem()` where
 * Node lacks it; and the `reading` field that says which, and how worker memory is read.
 */
import { describe, expect, it } from 'vitest';
import { platformMechanisms } from '../../src/platform/mechanisms.js';
import { readPortable, readSystemMemory } from '../../src/pool/system-memory.js';
import { mechanismsOf } from '../../src/protocol/platform.js';

const MAC = mechanismsOf({ platform: 'darwin', portable: false, setpriv: false, proc: false });
const WINDOWS = mechanismsOf({ platform: 'win32', portable: false, setpriv: false, proc: false });
const GIB = 2 ** 30;

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
