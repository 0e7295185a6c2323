/**
 * The pool snapshot counts the parent's own memory (`memory.parentRssKib`): this process's RSS,
 * the main thread and every supervisor thread, beside the children's figures.
 */
import { describe, expect, it } from 'vitest';
import { echo, makePool, source } from './helpers.js';

describe('parent memory in the snapshot', () => {
  it('reports the RSS of this process, with no worker and with one', async () => {
    const pool = makePool({ maxWorkers: 1 });
    try {
      const empty = pool.snapshot().memory;
      expect(empty.parentRssKib).toBeGreaterThan(1024);
      const lease = await pool.acquireLease(source(['P']));
      expect(await lease.runJsonCommand(echo, { x: 1 })).toEqual({ echo: { x: 1 } });
      const own = process.memoryUsage.rss() / 1024;
      const one = pool.snapshot().memory;
      lease.release();
      // This process's RSS, not a child's: within a quarter of what it reads itself.
      expect(one.parentRssKib).toBeGreaterThan(own * 0.75);
      expect(one.parentRssKib).toBeLessThan(own * 1.25);
      expect(one.rssSumKib).toBeGreaterThan(0);
    } finally {
      await pool.destroy();
    }
  });
});

describe('the worker memory reading in the snapshot', () => {
  it('says how worker memory is read, also when system memory is ignored', () => {
    const pool = makePool({ systemMemoryReserveKib: false });
    const memory = pool.snapshot().memory;
    expect(memory.system).toBeNull();
    expect(memory.workersReading).toBe(process.platform === 'linux' ? 'proc' : 'pidusage');
  });

  it('names pidusage on the portable path', () => {
    const before = process.env.LEAN_WORKER_PORTABLE;
    process.env.LEAN_WORKER_PORTABLE = '1';
    try {
      expect(makePool().snapshot().memory.workersReading).toBe('pidusage');
    } finally {
      if (before === undefined) delete process.env.LEAN_WORKER_PORTABLE;
      else process.env.LEAN_WORKER_PORTABLE = before;
    }
  });
});
