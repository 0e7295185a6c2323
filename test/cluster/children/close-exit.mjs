/**
 * A cluster node that starts, closes with a long grace period and nothing running, and then
 * leaves the process to exit by itself: `node close-exit.mjs <redisPort>`. Prints `closed` once
 * `close()` has returned; a timer or connection the node left behind keeps the process alive.
 */
import { LeanWorkerNode } from '../../../dist/src/cluster/index.js';
import { LeanWorkerPool } from '../../../dist/src/index.js';

const [port] = process.argv.slice(2);
const pool = new LeanWorkerPool({ maxWorkers: 1 });
const node = new LeanWorkerNode({
  redis: { host: '127.0.0.1', port: Number(port) },
  pool,
  sources: {},
  heartbeatIntervalMs: 200,
  pollIntervalMs: 10,
});
await node.start();
await node.close({ timeoutMs: 120_000 });
await pool.close();
process.stdout.write('closed\n');
