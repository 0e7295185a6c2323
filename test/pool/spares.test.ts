/**
 * Warm spares and overlapped replacement on fake workers: a spare of a hot key starts in the
 * background when a slot and the budget allow, and serves the next caller with no import; a
 * worker one request from its limit is replaced in the background and retired once the new one is
 * ready (started a cold open ahead of the limit); a spare that fails to start counts toward its
 * key's quarantine.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { echo, type FakeKey, fakePool, settle } from './fake-workers.js';
import { eventually, rejection } from './helpers.js';

describe('warm spares on fake workers', () => {
  it('starts a spare for a hot key whose worker is busy, and the next caller of the key takes it warm', async () => {
    const pool = fakePool({ maxWorkers: 3, spares: 1 });
    (await pool.lease('A')).release();
    const busy = await pool.lease('A');
    await eventually(() => expect(pool.snapshot()).toMatchObject({ spareStarts: 1, idleWorkers: 1 }));
    const second = await pool.lease('A');
    expect(pool.snapshot()).toMatchObject({
      coldOpenAttempts: 1,
      keyHits: 2,
      backgroundStartsUsed: 1,
      workers: 2,
    });
    busy.release();
    second.release();
  });

  it('starts no spare while it is off, for a key asked for once, or when the budget has no room', async () => {
    const off = fakePool({ maxWorkers: 3 });
    (await off.lease('A')).release();
    await off.lease('A');
    await settle();
    expect(off.snapshot().spareStarts).toBe(0);
    const once = fakePool({ maxWorkers: 3, spares: 1 });
    await once.lease('B');
    await settle();
    expect(once.snapshot().spareStarts).toBe(0);
    const keys = { A: { privateKib: 600 } };
    const tight = fakePool({ maxWorkers: 3, spares: 1, maxTotalChildMemoryKib: 1_000 }, keys);
    (await tight.lease('A')).release();
    await tight.lease('A');
    await settle();
    expect(tight.snapshot().spareStarts).toBe(0);
  });

  it('starts a spare while the hot key restarts after a crash; the next caller does not wait for the restart', async () => {
    const pool = fakePool({ maxWorkers: 3, spares: 1 });
    (await pool.lease('A')).release();
    (await pool.lease('A')).release();
    pool.of('A')[0]?.restart('child_crash');
    await eventually(() => expect(pool.snapshot().spareStarts).toBe(1));
    const lease = await pool.lease('A');
    expect(lease.snapshot().generation).toBe(0);
    expect(pool.snapshot()).toMatchObject({ backgroundStartsUsed: 1, coldOpenAttempts: 1 });
    pool.of('A')[0]?.started();
  });

  it('evicts an idle spare before the last worker of another key', async () => {
    const pool = fakePool({ maxWorkers: 3, spares: 1, eviction: 'lru' });
    (await pool.lease('B')).release();
    (await pool.lease('A')).release();
    const a = await pool.lease('A');
    await eventually(() => expect(pool.snapshot()).toMatchObject({ spareStarts: 1, workers: 3 }));
    a.release();
    // Two idle A workers and B (used least recently): the spare A goes, B stays.
    (await pool.lease('C')).release();
    expect(pool.of('B')[0]?.closed).toBe(false);
    expect(pool.of('A').filter((w) => w.closed)).toHaveLength(1);
  });

  it('counts a spare that fails to start toward its key quarantine', async () => {
    const keys: Record<string, FakeKey> = { A: {} };
    const pool = fakePool({ maxWorkers: 3, spares: 1, policy: { maxRestarts: 0 } }, keys);
    (await pool.lease('A')).release();
    keys.A = { failStart: 'fake' };
    const busy = await pool.lease('A');
    await eventually(() => expect(pool.snapshot()).toMatchObject({ spareStarts: 1, quarantinedKeys: 1 }));
    busy.release();
    await rejection(pool.lease('A'), ErrorCode.QUARANTINED);
  });
});

describe('overlapped replacement on fake workers', () => {
  it('replaces a worker one request from maxRequests in the background and retires it once the new one is ready', async () => {
    const pool = fakePool({ maxWorkers: 2, policy: { maxRequests: 2 } });
    const first = await pool.lease('A');
    await first.runJsonCommand(echo, { x: 1 });
    first.release();
    await eventually(() => expect(pool.of('A')[0]?.shutdowns).toEqual(['graceful']));
    const next = await pool.lease('A');
    expect(next.snapshot().generation).toBe(0);
    expect(pool.of('A')).toHaveLength(2);
    expect(pool.snapshot()).toMatchObject({
      backgroundReplacements: 1,
      backgroundStartsUsed: 1,
      coldOpenAttempts: 1,
      maxRequestRestarts: 0,
    });
  });

  it('starts the replacement a cold open ahead of maxRequests when an open outlasts the leases left', async () => {
    const pool = fakePool({ maxWorkers: 2, policy: { maxRequests: 10 } }, { A: { startDelayMs: 600 } });
    for (let i = 0; i < 3; i++) {
      const lease = await pool.lease('A');
      await lease.runJsonCommand(echo, { x: i });
      lease.release();
    }
    // Seven requests are left, each lease held a few ms: together shorter than one 600 ms open.
    expect(pool.snapshot()).toMatchObject({
      backgroundReplacements: 1,
      startingWorkers: 1,
      maxRequestRestarts: 0,
    });
  });

  it('cycles in place when no slot is free for a replacement, or when replaceInBackground is off', async () => {
    for (const options of [{ maxWorkers: 1 }, { maxWorkers: 2, replaceInBackground: false }]) {
      const pool = fakePool({ ...options, policy: { maxRequests: 1 } });
      const first = await pool.lease('A');
      await first.runJsonCommand(echo, { x: 1 });
      first.release();
      const next = await pool.lease('A');
      expect(next.snapshot().generation).toBe(1);
      expect(pool.snapshot()).toMatchObject({ backgroundReplacements: 0, maxRequestRestarts: 1 });
      expect(pool.of('A')).toHaveLength(1);
    }
  });
});
