/**
 * Nodes and a client over a private Redis, real pools of the fixture child: typed rows and
 * summary, a typed JSON response, typed errors rebuilt with their code and attempt count,
 * affinity (a warm key's jobs run where it is warm), the wait bound that moves a job off a busy
 * node, backpressure across Redis, cancellation that reaches the node's lease, and the snapshot.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { NO_REDIS_REASON, REDIS_AVAILABLE } from '../../bench/lib/redis-server.js';
import { clusterChannelName } from '../../src/cluster/events.js';
import { clusterKeys, clusterSource } from '../../src/cluster/wire.js';
import { defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { crashAfter, echo, rejection, rows, slow } from '../pool/helpers.js';
import { client, startNode, startRedis } from './helpers.js';

const throwsCode = defineStreamingCommand({
  export: 'throws_code',
  request: z.object({ code: z.string() }),
  row: z.unknown(),
  summary: z.unknown(),
});

/** Poll `check` every 20 ms for at most `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!REDIS_AVAILABLE)(`cluster basics (skipped when ${NO_REDIS_REASON})`, () => {
  it('streams typed rows and a summary, and answers a JSON command', async () => {
    const redis = await startRedis();
    const node = await startNode(redis);
    const cluster = client(redis);
    const src = clusterSource('fixture', { imports: ['A'] });
    const stream = cluster.runStreamingCommand(src, rows, { count: 5 });
    const { rows: got, summary } = await stream.collect();
    expect(got.map((r) => r.sequence)).toEqual([0, 1, 2, 3, 4]);
    expect(got.every((r) => r.attempt === 1)).toBe(true);
    expect(summary.metadata).toEqual({ ok: true, rows: 5 });
    expect(summary.totalRows).toBe(5);
    expect(summary.node).toBe(node.id);
    expect(summary.attempts).toBe(1);
    expect(await cluster.runJsonCommand(src, echo, { x: 7 })).toEqual({ echo: { x: 7 } });
  });

  it('gives the typed errors a lease gives, with the attempts the job took', async () => {
    const redis = await startRedis();
    await startNode(redis);
    const cluster = client(redis, { maxAttempts: 2 });
    const src = clusterSource('fixture', { imports: ['E'] });
    // Refused before anything is sent, as a lease refuses it.
    expect(() => cluster.runStreamingCommand(src, rows, { count: 'x' } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.REQUEST_ENCODE }),
    );
    const worker = await rejection(
      cluster.runStreamingCommand(src, throwsCode, { code: 'my.code' }).summary,
      ErrorCode.WORKER,
    );
    expect(worker.facts.workerCode).toBe('my.code');
    expect(worker.facts.attempts).toBe(1);
    // A crash is retried; a crash on every attempt ends with the last one's error and the count.
    const crash = await rejection(
      cluster.runStreamingCommand(src, crashAfter, { rows: 2 }).summary,
      ErrorCode.CHILD_CRASH,
    );
    expect(crash.facts.attempts).toBe(2);
    const unknown = await rejection(
      cluster.runJsonCommand(clusterSource('nowhere'), echo, { x: 1 }),
      ErrorCode.INVALID_ARGUMENT,
    );
    expect(unknown.facts.reason).toBe('unknown_source');
  });

  it('routes a warm key to the node that holds it, and reports the hit rate', async () => {
    const redis = await startRedis();
    const a = await startNode(redis, { id: 'node-a' });
    const b = await startNode(redis, { id: 'node-b' });
    const cluster = client(redis, { routeCacheMs: 0 });
    const keyA = clusterSource('fixture', { imports: ['KeyA'] });
    const keyB = clusterSource('fixture', { imports: ['KeyB'] });
    const first = await cluster.runStreamingCommand(keyA, rows, { count: 1 }).summary;
    const firstB = await cluster.runStreamingCommand(keyB, rows, { count: 1 }).summary;
    expect(first.warm).toBe(false);
    // Both keys are announced warm within a heartbeat.
    await until(async () => {
      const warm = (await cluster.snapshot()).nodes.flatMap((n) => n.warmKeys);
      return warm.includes(keyA.affinityKey) && warm.includes(keyB.affinityKey);
    });
    const ends = [];
    for (let i = 0; i < 10; i++) {
      const key = i % 2 === 0 ? keyA : keyB;
      ends.push(await cluster.runStreamingCommand(key, rows, { count: 2 }).summary);
    }
    const hits = ends.filter((s, i) => s.warm && s.node === (i % 2 === 0 ? first.node : firstB.node));
    expect(hits.length).toBeGreaterThanOrEqual(9);
    // Announcements are a heartbeat behind.
    await until(async () => (await cluster.snapshot()).counters.attempts === 12);
    const snap = await cluster.snapshot();
    expect(snap.nodes.map((n) => n.id).sort()).toEqual(['node-a', 'node-b']);
    expect(snap.affinityHitRate).toBeGreaterThanOrEqual(9 / 12);
    expect(snap.client.routedWarm).toBeGreaterThanOrEqual(9);
    expect(snap.coldQueue.waiting).toBe(0);
    expect(a.snapshot().counters.attempts + b.snapshot().counters.attempts).toBe(12);
  });

  it('moves a job that waited past the bound on a busy warm node to the cold queue', async () => {
    const redis = await startRedis();
    const busy = await startNode(redis, { id: 'busy', maxWarmWaitMs: 300 }, { maxWorkers: 1 });
    const warmUp = client(redis, { routeCacheMs: 0 });
    const src = clusterSource('fixture', { imports: ['Busy'] });
    await warmUp.runStreamingCommand(src, rows, { count: 1 }).summary;
    await until(async () =>
      (await warmUp.snapshot()).nodes.some((n) => n.idleWarmKeys.includes(src.affinityKey)),
    );
    // A client whose view of the nodes is read now, while the busy node is idle and warm, and kept:
    // it routes the next jobs to that node however soon the node announces it is busy.
    const cluster = client(redis, { routeCacheMs: 60_000, maxWarmQueue: 5 });
    expect((await cluster.runStreamingCommand(src, rows, { count: 1 }).summary).node).toBe(busy.id);
    const moved: unknown[] = [];
    const onMoved = (m: unknown) => moved.push(m);
    diagnosticsChannel.subscribe(clusterChannelName('job-moved'), onMoved);
    onTestFinished(() => {
      diagnosticsChannel.unsubscribe(clusterChannelName('job-moved'), onMoved);
    });
    // The busy node runs a job that lasts until cancelled (30 s); the next job for its key waits
    // behind it, then goes cold, where a second node (started now) takes it, however slowly it starts.
    const long = cluster.runStreamingCommand(src, slow, { rows: 600, msPerRow: 50 });
    onTestFinished(() => long.cancel());
    await until(() => busy.snapshot().running === 1);
    const waiting = cluster.runStreamingCommand(src, rows, { count: 1 });
    const other = await startNode(redis, { id: 'other' });
    const summary = await waiting.summary;
    expect(summary.node).toBe(other.id);
    expect(moved).toContainEqual(expect.objectContaining({ jobId: waiting.jobId, reason: 'overdue' }));
    long.cancel();
  });

  it('stops the child while the client does not read, and delivers every row once', async () => {
    const redis = await startRedis();
    const node = await startNode(redis, { rowWindow: 16 });
    const cluster = client(redis, { bufferRows: 8 });
    const src = clusterSource('fixture', { imports: ['Bp'] });
    const stream = cluster.runStreamingCommand(src, rows, { count: 400 });
    await until(() => node.snapshot().counters.backpressurePauses > 0);
    // Bounded in Redis: the window plus one check's worth.
    const probe = new Redis({ host: '127.0.0.1', port: redis.port });
    onTestFinished(() => probe.disconnect());
    const unread = await probe.xlen(clusterKeys('lwp').rows(stream.jobId));
    expect(unread).toBeLessThanOrEqual(16 + 4 + 1);
    const { rows: got, summary } = await stream.collect();
    expect(got.map((r) => r.sequence)).toEqual([...Array(400).keys()]);
    expect(summary.totalRows).toBe(400);
  });

  it('cancels the node lease when the client aborts', async () => {
    const redis = await startRedis();
    const node = await startNode(redis);
    const cluster = client(redis);
    const controller = new AbortController();
    const stream = cluster.runStreamingCommand(
      clusterSource('fixture', { imports: ['C'] }),
      slow,
      { rows: 1000, msPerRow: 20 },
      { signal: controller.signal },
    );
    let seen = 0;
    const reading = (async () => {
      for await (const _ of stream) if (++seen === 3) controller.abort();
    })();
    await rejection(reading, ErrorCode.ABORTED);
    await rejection(stream.summary, ErrorCode.ABORTED);
    await until(() => node.snapshot().counters.cancelled === 1 && node.snapshot().running === 0);
  });
});
