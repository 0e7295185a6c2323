/**
 * The rest of the fault matrix, through the pool: a child that cannot be spawned (ENOENT,
 * EACCES), a consumer that throws, a consumer that stops pulling, and storms of aborts across
 * leases. Each ends in a typed outcome, the pool keeps serving, counters add up, nothing is left.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand } from '../../src/commands.js';
import { ErrorCode, LeanWorkerError } from '../../src/errors.js';
import type { LeanWorkerPool } from '../../src/pool/pool.js';
import { eventually } from '../helpers/proc.js';
import { fixtureChild } from '../helpers/supervisor.js';
import { makePool, rejection } from '../pool/helpers.js';
import { markedProcesses } from './resources.js';
import { healthySource, rawSource, scratch } from './sources.js';

const noLeftovers = async (mark: string) =>
  expect(await eventually(() => markedProcesses(mark).length === 0, 3_000)).toBe(true);

function pool(maxWorkers = 2): LeanWorkerPool {
  return makePool({
    maxWorkers,
    memorySampleIntervalMs: 60_000,
    policy: { restartBackoffBaseMs: 0, restartBackoffMaxMs: 0 },
  });
}

describe('spawn failures', () => {
  it('a missing executable is SPAWN with errno ENOENT, and the pool keeps serving', async () => {
    const { mark, dir } = scratch();
    const p = pool();
    const missing = rawSource('missing', path.join(dir, 'no-such-child'), [], mark);
    const error = await rejection(p.acquireLease(missing), ErrorCode.SPAWN);
    expect(error.facts.errno).toBe('ENOENT');
    const rows = await p.withLease(healthySource(mark), (l) => l.runDataStream('rows', {}).collect());
    expect(rows.summary.totalRows).toBe(3);
    expect(p.snapshot()).toMatchObject({
      workers: 1,
      leasesGranted: 1,
      leasesReleased: 1,
      startingWorkers: 0,
    });
  });

  it('a file without execute permission is SPAWN with errno EACCES', async () => {
    const { mark, dir } = scratch();
    const file = path.join(dir, 'not-executable');
    writeFileSync(file, '#!/bin/sh\nexit 0\n');
    chmodSync(file, 0o644);
    const p = pool();
    const error = await rejection(p.acquireLease(rawSource('eacces', file, [], mark)), ErrorCode.SPAWN);
    expect(error.facts.errno).toBe('EACCES');
    expect(p.snapshot().workers).toBe(0);
  });
});

describe('consumer faults', () => {
  it('a consumer that throws mid-stream cancels the request; the replacement answers', async () => {
    const { mark } = scratch();
    const p = pool();
    const source = healthySource(mark);
    const lease = await p.acquireLease(source);
    const stream = lease.runDataStream('rows', { count: 100_000 });
    let seen = 0;
    await expect(
      (async () => {
        for await (const _row of stream) if (++seen === 10) throw new Error('consumer bug');
      })(),
    ).rejects.toThrow('consumer bug');
    const summaryError = await stream.summary.catch((e: LeanWorkerError) => e);
    expect(summaryError).toBeInstanceOf(LeanWorkerError);
    expect((summaryError as LeanWorkerError).code).toBe(ErrorCode.ABORTED);
    expect(lease.isValid).toBe(false);
    lease.release();
    const again = await p.withLease(source, (l) => l.runDataStream('rows', { count: 4 }).collect());
    expect(again.rows).toHaveLength(4);
    const s = p.snapshot();
    expect(s.cancelledRestarts).toBe(1);
    expect(s.streamRequests).toBe(s.streamSuccesses + s.streamFailures);
  });

  it('a diagnostic callback that throws is CONSUMER; the pool serves the next lease', async () => {
    const { mark } = scratch();
    const p = makePool({ maxWorkers: 1, memorySampleIntervalMs: 60_000 });
    const source = rawSource(
      'test-child',
      process.execPath,
      [path.resolve('dist/fixtures/children/test-child.js'), '--lenient'],
      mark,
    );
    const lease = await p.acquireLease(source);
    const stream = lease.runDataStream(
      'rows',
      { count: 5 },
      {
        onDiagnostic: () => {
          throw new Error('callback bug');
        },
      },
    );
    await rejection(stream.collect(), ErrorCode.CONSUMER);
    await stream.summary.catch(() => undefined);
    lease.release();
    const again = await p.withLease(source, (l) => l.runDataStream('rows', { count: 2 }).collect());
    expect(again.rows).toHaveLength(2);
  });

  it('a consumer that stops pulling holds the child by backpressure until the deadline, memory bounded', async () => {
    const { mark } = scratch();
    const p = pool();
    const source = healthySource(mark);
    const lease = await p.acquireLease(source);
    const rss0 = process.memoryUsage().rss;
    const payload = JSON.stringify({ pad: 'x'.repeat(2_000) });
    const stream = lease.runDataStream('rows', { count: 200_000, payload }, { timeoutMs: 1_500 });
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    // The consumer stops here; 200,000 rows of 2 KB (400 MB) would be the unbounded case.
    const error = await stream.summary.catch((e: LeanWorkerError) => e);
    expect((error as LeanWorkerError).code).toBe(ErrorCode.TIMEOUT);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(64 << 20);
    lease.release();
    expect(p.snapshot().backpressureWaits).toBeGreaterThan(0);
    const again = await p.withLease(source, (l) => l.runDataStream('rows', { count: 2 }).collect());
    expect(again.rows).toHaveLength(2);
    await iterator.return?.();
  });
});

describe('abort storms', () => {
  it('100 aborts across leases each end in exactly one typed outcome, and the pool recovers', async () => {
    const { mark } = scratch();
    const p = pool(3);
    const sources = [0, 1, 2].map((i) => healthySource(mark, `storm-${i}`));
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const controller = new AbortController();
        const delay = (i * 7) % 40;
        setTimeout(() => controller.abort(new Error('storm')), delay);
        try {
          const lease = await p.acquireLease(sources[i % 3]!, { signal: controller.signal });
          try {
            const stream = lease.runDataStream('rows', { count: 50_000 }, { signal: controller.signal });
            let rows = 0;
            for await (const _row of stream) rows += 1;
            await stream.summary;
            return `ok:${rows}`;
          } finally {
            lease.release();
          }
        } catch (error) {
          expect(error).toBeInstanceOf(LeanWorkerError);
          return (error as LeanWorkerError).code;
        }
      }),
    );
    const codes = new Set(outcomes.map((o) => (o.startsWith('ok:') ? 'ok' : o)));
    for (const code of codes) expect(['ok', ErrorCode.ABORTED, ErrorCode.LEASE_INVALIDATED]).toContain(code);
    expect(outcomes.filter((o) => o === ErrorCode.ABORTED).length).toBeGreaterThan(0);
    for (const o of outcomes.filter((x) => x.startsWith('ok:'))) expect(o).toBe('ok:50000');
    const s = p.snapshot();
    expect(s.leasesGranted).toBe(s.leasesReleased);
    expect(s.queueDepth).toBe(0);
    expect(s.activeWorkers).toBe(0);
    expect(s.streamRequests).toBe(s.streamSuccesses + s.streamFailures);
    for (const source of sources) {
      const after = await p.withLease(source, (l) => l.runDataStream('rows', { count: 3 }).collect());
      expect(after.rows).toHaveLength(3);
    }
    await p.destroy();
    await noLeftovers(mark);
  });
});

describe('idle protocol violations', () => {
  it('a response that answers nothing, sent while idle, restarts the worker and invalidates its lease', async () => {
    const { mark } = scratch();
    const p = pool();
    const source = rawSource(
      'unsolicited-idle',
      process.execPath,
      [fixtureChild('misbehaving'), 'unsolicited-idle'],
      mark,
    );
    const lease = await p.acquireLease(source);
    const health = defineJsonCommand({ export: 'x', request: z.object({}), response: z.unknown() });
    await rejection(lease.runJsonCommand(health, {}), ErrorCode.WORKER);
    expect(await eventually(() => !lease.isValid, 5_000)).toBe(true);
    await rejection(lease.runJsonCommand(health, {}), ErrorCode.LEASE_INVALIDATED);
    lease.release();
    const s = p.snapshot();
    expect(s.protocolRestarts).toBe(1);
    expect(s.replacementSuccesses).toBe(1);
  });
});
