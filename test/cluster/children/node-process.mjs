/**
 * A cluster node in a process of its own (the compiled tree): `node node-process.mjs <redisPort>
 * <nodeId> [maxWorkers]`. Its pool (one worker unless told) runs the fixture child for source `fixture` with params
 * `{ imports }`. Prints `ready` on stdout once it takes jobs; runs until killed (at most 120 s).
 */
import { LeanWorkerNode } from '../../../dist/src/cluster/index.js';
import { LeanWorkerCapabilityBuilder, LeanWorkerPool } from '../../../dist/src/index.js';
import { fixturePath } from '../../../dist/src/worker/paths.js';
import { ensureStandInLibrary, TEST_CHILD_EXPORTS } from '../../../dist/test/helpers/capability.js';

// The repository root (the compiled helpers would point inside dist/).
const ROOT = new URL('../../../', import.meta.url).pathname;
ensureStandInLibrary(ROOT);
const capability = {
  projectRoot: ROOT,
  package: 'Fixture',
  libName: 'Fixture',
  skipBuild: true,
  leanSysroot: `${ROOT}fixtures/toolchain`,
  leanCommand: `${ROOT}fixtures/bin/lean`,
  exports: { ...TEST_CHILD_EXPORTS },
};

const [port, id, maxWorkers = '1'] = process.argv.slice(2);
setTimeout(() => process.exit(3), 120_000).unref();

const pool = new LeanWorkerPool({ maxWorkers: Number(maxWorkers) });
const node = new LeanWorkerNode({
  redis: { host: '127.0.0.1', port: Number(port) },
  id,
  pool,
  sources: {
    fixture: (params) =>
      new LeanWorkerCapabilityBuilder({
        ...capability,
        imports: params?.imports ?? [],
        worker: { command: process.execPath, args: [fixturePath('children/test-child')] },
      }),
  },
  heartbeatIntervalMs: 200,
  heartbeatTtlMs: 1_000,
  pollIntervalMs: 10,
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
  sweepIntervalMs: 250,
  maxWarmWaitMs: 60_000,
});
await node.start();
process.stdout.write('ready\n');
setInterval(() => {}, 1_000);
