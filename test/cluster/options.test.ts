/**
 * Cluster options are checked once, strictly, before anything connects: a misspelt option is
 * INVALID_OPTIONS; a node needs a real pool; a cluster source needs a name and JSON params, and
 * equal sources get equal affinity keys whatever the order of their params' keys.
 */
import { describe, expect, it } from 'vitest';
import { LeanWorkerCluster } from '../../src/cluster/client.js';
import { LeanWorkerNode } from '../../src/cluster/node.js';
import { clusterSource } from '../../src/cluster/wire.js';
import { ErrorCode } from '../../src/errors.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'no error';
};

describe('cluster options', () => {
  it('refuses a misspelt or mistyped option with INVALID_OPTIONS', () => {
    expect(code(() => new LeanWorkerCluster({ maxAtempts: 2 } as never))).toBe(ErrorCode.INVALID_OPTIONS);
    expect(code(() => new LeanWorkerCluster({ redis: { port: 'x' } } as never))).toBe(
      ErrorCode.INVALID_OPTIONS,
    );
    expect(code(() => new LeanWorkerCluster({ prefix: 'a:b' }))).toBe(ErrorCode.INVALID_OPTIONS);
    expect(code(() => new LeanWorkerNode({ pool: {}, sources: {}, rowWindw: 4 } as never))).toBe(
      ErrorCode.INVALID_OPTIONS,
    );
    expect(code(() => new LeanWorkerNode({ pool: {}, sources: {} } as never))).toBe(
      ErrorCode.INVALID_ARGUMENT,
    );
  });

  it('gives equal sources one affinity key and refuses a bad name or params', () => {
    const a = clusterSource('prover', { imports: ['A', 'B'], profile: 'x' });
    const b = clusterSource('prover', { profile: 'x', imports: ['A', 'B'] });
    expect(a.affinityKey).toBe(b.affinityKey);
    expect(clusterSource('prover', { imports: ['B', 'A'] }).affinityKey).not.toBe(a.affinityKey);
    expect(code(() => clusterSource('bad name'))).toBe(ErrorCode.INVALID_ARGUMENT);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(code(() => clusterSource('p', cyclic as never))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});
