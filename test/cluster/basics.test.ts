/**
 * A node and a client over a private Redis: typed rows and summary, a typed JSON response, typed
 * errors rebuilt with their code, and affinity: a warm key's next job runs warm.
 */
import { describe, expect, it } from 'vitest';
import { clusterSource } from '../../src/cluster/wire.js';
import { echo, rows } from '../pool/helpers.js';
import { client, startNode, startRedis } from './helpers.js';
import { NO_REDIS_REASON, REDIS_AVAILABLE } from './redis-server.js';

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
});
