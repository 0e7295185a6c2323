import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { crashAfter, echo, eventually, hang, listen, makePool, rejection, rows, source } from './helpers.js';

describe('leases', () => {
  it('is affine: a second release returns no capacity, and await using releases', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    lease.release();
    lease.release();
    expect(pool.snapshot()).toMatchObject({
      leasesGranted: 1,
      leasesReleased: 1,
      activeWorkers: 0,
      idleWorkers: 1,
    });
    await rejection(lease.runJsonCommand(echo, { x: 1 }), ErrorCode.LEASE_RELEASED);
    {
      await using scoped = await pool.acquireLease(source(['A']));
      expect(await scoped.runJsonCommand(echo, { x: 3 })).toEqual({ echo: { x: 3 } });
      expect(pool.snapshot().activeWorkers).toBe(1);
    }
    expect(pool.snapshot()).toMatchObject({ leasesGranted: 2, leasesReleased: 2, activeWorkers: 0 });
  });

  it('withLease releases when the callback throws', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const boom = new Error('callback failed');
    await expect(
      pool.withLease(source(['A']), async (lease) => {
        await lease.runJsonCommand(echo, { x: 1 });
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(pool.snapshot()).toMatchObject({ leasesReleased: 1, activeWorkers: 0, idleWorkers: 1 });
  });

  it('is already invalid when a failed stream throws out of its for-await loop', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const stream = lease.runStreamingCommand(crashAfter, { rows: 2 });
    let rows = 0;
    let code: string | undefined;
    try {
      for await (const _ of stream) rows += 1;
    } catch (error) {
      code = (error as { code?: string }).code;
      // Checked synchronously in the catch, before anything else settles.
      expect(lease.isValid).toBe(false);
    }
    expect(code).toBe(ErrorCode.CHILD_CRASH);
    expect(rows).toBe(2);
    lease.release();
  });

  it('is invalidated by a timeout restart while a fresh lease works', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const stream = lease.runStreamingCommand(hang, {}, { timeoutMs: 150 });
    await rejection(stream.summary, ErrorCode.TIMEOUT);
    expect(lease.isValid).toBe(false);
    const error = await rejection(lease.runJsonCommand(echo, { x: 1 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBeTypeOf('string');
    lease.release();
    const fresh = await pool.acquireLease(source(['A']));
    expect(await fresh.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    expect(pool.snapshot()).toMatchObject({ timeoutRestarts: 1, keyHits: 1 });
  });

  it('is invalidated by a crash; the replacement is no policy restart and generations only grow', async () => {
    const events = listen(['generation-started']);
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const before = lease.snapshot().generation as number;
    const stream = lease.runStreamingCommand(crashAfter, { rows: 2 });
    const error = await rejection(stream.summary, ErrorCode.CHILD_CRASH);
    expect(error.facts).toBeDefined();
    await rejection(lease.runJsonCommand(echo, { x: 1 }), ErrorCode.LEASE_INVALIDATED);
    lease.release();
    const fresh = await pool.acquireLease(source(['A']));
    expect(await fresh.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    expect(fresh.snapshot().generation as number).toBeGreaterThan(before);
    expect(pool.snapshot()).toMatchObject({ crashRestarts: 1, policyRestarts: 0, workerRestarts: 1 });
    const generations = (events.get('generation-started') ?? []).map((e) => e.generation as number);
    expect(generations.length).toBeGreaterThanOrEqual(2);
    expect([...generations].sort((a, b) => a - b)).toEqual(generations);
    expect(new Set(generations).size).toBe(generations.length);
  });

  it('is invalidated by an explicit cycle while a fresh lease works', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    await lease.cycle();
    const error = await rejection(lease.runJsonCommand(echo, { x: 1 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBeTypeOf('string');
    lease.release();
    const fresh = await pool.acquireLease(source(['A']));
    expect(await fresh.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    await eventually(() => expect(pool.snapshot().explicitCycles).toBe(1));
  });

  it('stays valid after a cancellation before anything was sent', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      lease.runJsonCommand(echo, { x: 1 }, { signal: controller.signal }),
      ErrorCode.ABORTED,
    );
    expect(error.facts).toMatchObject({ reason: 'before_send', workEnteredChild: false });
    expect(lease.isValid).toBe(true);
    expect(await lease.runJsonCommand(echo, { x: 4 })).toEqual({ echo: { x: 4 } });
    expect(pool.snapshot()).toMatchObject({ requests: 1, workerRestarts: 0 });
  });
});

describe('command options', () => {
  it('rejects a misspelt or mistyped command option before anything is sent', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    await rejection(
      lease.runJsonCommand(echo, { x: 1 }, { timeoutMS: 5 } as never),
      ErrorCode.INVALID_OPTIONS,
    );
    await rejection(lease.runJsonCommand(echo, { x: 1 }, { timeoutMs: -1 }), ErrorCode.INVALID_OPTIONS);
    expect(() => lease.runStreamingCommand(rows, { count: 1 }, { onProgress: 3 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
    expect(lease.isValid).toBe(true);
    expect(await lease.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    lease.release();
  });

  it('reports the export progress to onProgress, and per-row ticks only when rowProgress is set', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['A']));
    const phases = async (options: { rowProgress?: boolean }) => {
      const seen: string[] = [];
      await lease
        .runStreamingCommand(rows, { count: 3 }, { ...options, onProgress: (p) => seen.push(p.phase) })
        .collect();
      return seen;
    };
    expect(await phases({})).toEqual(['fixture.rows']);
    const withRows = await phases({ rowProgress: true });
    expect(withRows.filter((p) => p === 'data_stream').length).toBeGreaterThanOrEqual(3);
    expect(withRows).toContain('fixture.rows');
    lease.release();
  });
});
