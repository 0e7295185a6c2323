/**
 * Admission under hostile timing: closing or aborting while a worker starts, a second close or
 * a destroy during a close, slow-exiting evicted children, over-budget keys, restart accounting
 * of evicted workers and per-key state bounded however many keys are seen.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { MAX_TRACKED_KEYS } from '../../src/pool/bounded-map.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import { killQuietly, pidDead, waitGone } from '../helpers/proc.js';
import { eventually, makePool, rejection, tick } from './helpers.js';
import { hostile, hostileEcho, hostileHang } from './hostile.js';

/** A directory the hostile child writes its pid into; every child listed there is killed at the end. */
function pidsDir(): { env: Record<string, string>; pids: () => number[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lwp-pids-'));
  const pids = () => fs.readdirSync(dir).map(Number);
  onTestFinished(() => {
    for (const pid of pids()) killQuietly(pid);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTILE_PIDS_DIR: dir }, pids };
}

describe('admission hardening', () => {
  it('close() during a cold open fails the acquire with POOL_CLOSED and reaps the child', async () => {
    const { env, pids } = pidsDir();
    const pool = makePool({ maxWorkers: 1 });
    const acquiring = pool.acquireLease(hostile(['--start-delay-ms=800'], { env }));
    await eventually(() => expect(pids()).toHaveLength(1));
    const report = await pool.close();
    await rejection(acquiring, ErrorCode.POOL_CLOSED);
    expect(report.workers).toBe(0);
    for (const pid of pids()) expect(await waitGone(pid)).toBe(true);
    expect(pool.snapshot()).toMatchObject({ workers: 0, startingWorkers: 0, exitingWorkers: 0 });
  });

  it('an abort during a cold open is ABORTED at once; the worker is kept warm', async () => {
    const { env } = pidsDir();
    const pool = makePool({ maxWorkers: 1 });
    const source = hostile(['--start-delay-ms=1500'], { env });
    const controller = new AbortController();
    const acquiring = pool.acquireLease(source, { signal: controller.signal });
    await tick(100);
    controller.abort();
    // Settled before the start could have finished: the abort does not wait for the worker.
    const settledFirst = await Promise.race([
      acquiring.then(
        () => 'lease',
        () => 'settled',
      ),
      tick(1_000),
    ]);
    expect(settledFirst).toBe('settled');
    await rejection(acquiring, ErrorCode.ABORTED);
    await eventually(() => expect(pool.snapshot().idleWorkers).toBe(1), 10_000);
    const lease = await pool.acquireLease(source);
    expect(await lease.runJsonCommand(hostileEcho, 1)).toEqual({ echo: 1 });
    lease.release();
    expect(pool.snapshot()).toMatchObject({ keyHits: 1, coldOpenAttempts: 1, queueAborts: 1 });
  });

  it('an abort while the worker a queued acquire was given is still starting is ABORTED at once', async () => {
    const { env, pids } = pidsDir();
    const pool = makePool({ maxWorkers: 1 });
    const held = await pool.acquireLease(hostile(['--key=a'], { env }));
    const controller = new AbortController();
    const queued = pool.acquireLease(hostile(['--key=b', '--start-delay-ms=1500'], { env }), {
      signal: controller.signal,
    });
    held.release();
    // The queue serves it: key a's worker is evicted, and key b's child starts.
    await eventually(() => expect(pids()).toHaveLength(2), 10_000);
    controller.abort();
    const settledFirst = await Promise.race([
      queued.then(
        () => 'lease',
        () => 'settled',
      ),
      tick(1_000),
    ]);
    expect(settledFirst).toBe('settled');
    await rejection(queued, ErrorCode.ABORTED);
    await eventually(() => expect(pool.snapshot().idleWorkers).toBe(1), 10_000);
  });

  it('a second close() and a destroy() during a close waiting on a lease settle together', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const stream = lease.runStreamingCommand(hostileHang, {}, { timeoutMs: 600_000 });
    // Without the destroy, this close would wait ten minutes for the lease.
    const first = pool.close({ timeoutMs: 600_000 });
    await tick(50);
    const second = pool.close({ timeoutMs: 600_000 });
    const destroyed = pool.destroy();
    const [a, b, c] = (await Promise.all([first, second, destroyed])).map(({ elapsedMs: _, ...r }) => r);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(a).toMatchObject({ workers: 1, leasesOutstanding: 1, outcomes: { kill_only: 1 } });
    expect(lease.isValid).toBe(false);
    await rejection(stream.summary, ErrorCode.POOL_CLOSED);
  });

  it('destroy() during a graceful shutdown kills the child at once', async () => {
    const { env, pids } = pidsDir();
    const pool = makePool({ maxWorkers: 1 });
    // A child that takes a minute to exit when asked, with a minute allowed for it.
    const lease = await pool.acquireLease(
      hostile(['--exit-delay-ms=60000'], { env, shutdownTimeoutMs: 60_000 }),
    );
    lease.release();
    const closing = pool.close();
    await eventually(() => expect(pool.snapshot().exitingWorkers).toBe(1));
    const [closed, destroyed] = await Promise.all([closing, pool.destroy()]);
    expect(destroyed.outcomes).toEqual(closed.outcomes);
    for (const pid of pids()) expect(await waitGone(pid)).toBe(true);
  });

  it('a close waiting on a lease keeps the process alive until it settles, a second close() with it', () => {
    const script = `
      import { LeanWorkerPool } from ${JSON.stringify(path.resolve('dist/src/index.js'))};
      const launch = ${JSON.stringify({ env: { PATH: process.env.PATH }, startupTimeoutMs: 5000, requestTimeoutMs: 10000, requestIdleTimeoutMs: 0, shutdownTimeoutMs: 2000, killWaitTimeoutMs: 5000, maxFrameBytes: 1 << 20, stderrTailBytes: 4096, hardMemoryLimitKib: 0, memorySampleIntervalMs: 250 })};
      const resolved = { key: 'k', session: null, metadata: null,
        launch: { ...launch, command: process.execPath, args: [${JSON.stringify(path.resolve('test/helpers/children/hostile-child.mjs'))}] } };
      const pool = new LeanWorkerPool();
      const lease = await pool.acquireLease({ sessionKey: () => 'k', resolve: async () => resolved });
      const closing = pool.close({ timeoutMs: 300 });
      const reports = await Promise.all([closing, pool.close()]);
      console.log(JSON.stringify({ valid: lease.isValid, workers: reports.map((r) => r.workers) }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ valid: false, workers: [1, 1] });
  });

  it('maxWorkers holds while evicted children take their time to exit', async () => {
    const { env, pids } = pidsDir();
    const pool = makePool({ maxWorkers: 1 });
    let maxAlive = 0;
    const sampler = setInterval(() => {
      maxAlive = Math.max(maxAlive, pids().filter((pid) => !pidDead(pid)).length);
    }, 10);
    onTestFinished(() => clearInterval(sampler));
    for (const key of ['a', 'b', 'c']) {
      // Each child takes 1.5 s to exit once asked, well within its graceful shutdown deadline.
      const source = hostile([`--key=${key}`, '--exit-delay-ms=1500'], { env, shutdownTimeoutMs: 5_000 });
      const lease = await pool.acquireLease(source, { timeoutMs: 20_000 });
      expect(await lease.runJsonCommand(hostileEcho, key)).toEqual({ echo: key });
      lease.release();
    }
    expect(pool.snapshot()).toMatchObject({ evictions: 2, coldOpenAdmitted: 3 });
    expect(pids()).toHaveLength(3);
    expect(maxAlive).toBe(1);
  });

  it('an over-budget key fails fast with MEMORY_BUDGET while other workers are busy', async () => {
    const pool = makePool({
      maxWorkers: 2,
      maxTotalChildMemoryKib: 80 * 1024,
      defaultWorkerCostKib: 1,
      queueWaitTimeoutMs: 5_000,
      systemMemoryReserveKib: false,
    });
    const big = hostile(['--alloc-mib=100']);
    // The pool learns what the big key costs (more than the whole budget) by running it once.
    const first = await pool.acquireLease(big);
    first.release();
    expect(pool.snapshot().memory.learnedKeys).toBe(1);
    // A small key evicts it and stays busy; the big key can then never fit, and must not wait.
    const busy = await pool.acquireLease(hostile(['--key=small']));
    await rejection(pool.acquireLease(big), ErrorCode.MEMORY_BUDGET);
    expect(pool.snapshot()).toMatchObject({ memoryBudgetRejections: 1, queueTimeouts: 0 });
    busy.release();
  });

  it('restart counters add up when a worker is evicted mid-restart', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { restartBackoffBaseMs: 300, restartBackoffMaxMs: 300 } });
    const first = await pool.acquireLease(hostile(['--key=a']));
    // A deadline restarts the worker after a 300 ms backoff; it is evicted meanwhile.
    await rejection(
      first.runStreamingCommand(hostileHang, {}, { timeoutMs: 100 }).summary,
      ErrorCode.TIMEOUT,
    );
    first.release();
    const second = await pool.acquireLease(hostile(['--key=b']), { timeoutMs: 20_000 });
    second.release();
    await pool.close();
    const s = pool.snapshot();
    expect(s.replacementAttempts).toBeGreaterThanOrEqual(1);
    expect(s.replacementAttempts).toBe(
      s.replacementSuccesses + s.replacementFailures + (s.replacementAbandoned ?? 0),
    );
  });

  it('keeps per-key state bounded however many keys it refuses, and still counts them', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(hostile());
    const keys = MAX_TRACKED_KEYS + 500;
    for (let i = 0; i < keys; i++) {
      const source: LeanWorkerSource = {
        sessionKey: () => `refused-${i}`,
        resolve: () => Promise.reject(new Error('never resolved: refused before a start')),
      };
      await rejection(pool.acquireLease(source, { timeoutMs: 0 }), ErrorCode.POOL_EXHAUSTED);
    }
    const s = pool.snapshot();
    expect(s.distinctKeysSeen).toBe(keys + 1);
    expect(s.trackedKeys).toBeLessThanOrEqual(MAX_TRACKED_KEYS);
    lease.release();
  });
});
