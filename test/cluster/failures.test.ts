/**
 * Failures: a node process killed with SIGKILL mid-stream (its running job ends on another node,
 * the client sees the successful attempt's rows once, the job that waited on its queue moves to
 * the cold queue, no child of it remains), and a Redis restart (typed errors, then recovery).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { NO_REDIS_REASON, REDIS_AVAILABLE } from '../../bench/lib/redis-server.js';
import type { LeanWorkerClusterRow } from '../../src/cluster/cluster-stream.js';
import { clusterSource } from '../../src/cluster/wire.js';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import { waitDead } from '../helpers/proc.js';
import { echo, rows, slow } from '../pool/helpers.js';
import { client, startNode, startRedis } from './helpers.js';
import { descendants, spawnNode, until } from './processes.js';

describe.skipIf(!REDIS_AVAILABLE)(`cluster failures (skipped when ${NO_REDIS_REASON})`, () => {
  it('a node killed mid-stream: the job completes elsewhere, its rows once, no child left', async () => {
    const redis = await startRedis();
    const doomed = await spawnNode(redis.port, 'doomed');
    const cluster = client(redis, { routeCacheMs: 0, maxWarmQueue: 5 });
    const src = clusterSource('fixture', { imports: ['Kill'] });
    expect((await cluster.runStreamingCommand(src, rows, { count: 1 }).summary).node).toBe('doomed');
    await until(async () =>
      (await cluster.snapshot()).nodes.some((n) => n.warmKeys.includes(src.affinityKey)),
    );
    const long = cluster.runStreamingCommand(src, slow, { rows: 60, msPerRow: 25 });
    const queued = cluster.runStreamingCommand(src, rows, { count: 3 });
    const seen: LeanWorkerClusterRow<{ i: number }>[] = [];
    const iterator = long[Symbol.asyncIterator]();
    while (seen.length < 5) {
      const next = await iterator.next();
      if (next.done) throw new Error('the stream ended early');
      seen.push(next.value);
    }
    expect(seen.every((r) => r.attempt === 1)).toBe(true);
    const children = descendants(doomed.pid as number);
    expect(children.length).toBeGreaterThan(0);
    doomed.kill('SIGKILL');
    const survivor = await startNode(redis, { id: 'survivor' });
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) seen.push(next.value);
    const summary = await long.summary;
    expect(summary.node).toBe(survivor.id);
    expect(summary.attempts).toBe(2);
    const second = seen.filter((r) => r.attempt === 2).map((r) => r.payload.i);
    expect(second).toEqual([...Array(60).keys()]);
    expect((await queued.summary).node).toBe(survivor.id);
    for (const pid of children) expect(await waitDead(pid, 10_000)).toBe(true);
    // The sweeper deleted the dead node's queue and entry.
    await until(async () => (await cluster.snapshot()).nodes.every((n) => n.id !== 'doomed'));
  });

  it('a job whose only attempt died with its node ends with NODE_LOST and its attempt count', async () => {
    const redis = await startRedis();
    const doomed = await spawnNode(redis.port, 'doomed-once');
    const cluster = client(redis);
    const job = cluster.runStreamingCommand(
      clusterSource('fixture', { imports: ['Once'] }),
      slow,
      { rows: 100, msPerRow: 20 },
      { maxAttempts: 1 },
    );
    await job[Symbol.asyncIterator]().next();
    doomed.kill('SIGKILL');
    await startNode(redis, { id: 'after' });
    let caught: unknown;
    try {
      await job.summary;
    } catch (error) {
      caught = error;
    }
    expect((caught as LeanWorkerError).code).toBe(ErrorCode.NODE_LOST);
    expect((caught as LeanWorkerError).facts).toMatchObject({
      attempts: 1,
      node: 'doomed-once',
      jobId: job.jobId,
    });
  });

  it('a Redis restart: jobs in flight fail with CLUSTER_UNAVAILABLE, then new jobs run', async () => {
    const redis = await startRedis();
    await startNode(redis);
    const cluster = client(redis);
    const src = clusterSource('fixture', { imports: ['R'] });
    expect(await cluster.runJsonCommand(src, echo, { x: 1 })).toEqual({ echo: { x: 1 } });
    const inFlight = cluster.runStreamingCommand(src, slow, { rows: 200, msPerRow: 20 });
    const iterator = inFlight[Symbol.asyncIterator]();
    await iterator.next();
    await redis.restart();
    let caught: unknown;
    try {
      await inFlight.summary;
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LeanWorkerError);
    expect((caught as LeanWorkerError).code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
    // The node reconnects, announces itself again and takes new jobs.
    await until(async () => {
      try {
        return (await cluster.runJsonCommand(src, echo, { x: 2 })).echo.x === 2;
      } catch (error) {
        expect((error as LeanWorkerError).code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
        return false;
      }
    }, 20_000);
  });

  it('Redis unreachable: a job fails with CLUSTER_UNAVAILABLE', async () => {
    const redis = await startRedis();
    const cluster = client(redis, { redisTimeoutMs: 1_000 });
    await redis.stop();
    let caught: unknown;
    try {
      await cluster.runJsonCommand(clusterSource('fixture'), echo, { x: 1 });
    } catch (error) {
      caught = error;
    }
    expect((caught as LeanWorkerError).code).toBe(ErrorCode.CLUSTER_UNAVAILABLE);
  });

  it('a job whose submission Redis holds up past the job check is not taken for lost', async () => {
    const redis = await startRedis();
    await startNode(redis);
    const cluster = client(redis, { jobCheckIntervalMs: 50 });
    const admin = new Redis(redis.options);
    onTestFinished(() => void admin.quit().catch(() => {}));
    // Every client's commands wait 600 ms: the job's checks come due while its hash is unwritten.
    await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
    const answer = await cluster.runJsonCommand(clusterSource('fixture', { imports: ['P'] }), echo, { x: 3 });
    expect(answer.echo.x).toBe(3);
  });

  it('a closed node leaves nothing behind that keeps its process alive', async () => {
    const redis = await startRedis();
    const script = path.join(import.meta.dirname, 'children/close-exit.mjs');
    const child = spawn(process.execPath, [script, String(redis.options.port)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    onTestFinished(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    // close() was given 120 s of grace; nothing ran, so nothing may wait that long after it.
    const settled = await Promise.race([exited.then(() => 'exited'), sleep(20_000).then(() => 'alive')]);
    expect(out).toContain('closed');
    expect(settled).toBe('exited');
    expect(child.exitCode).toBe(0);
  });
});
