/**
 * A Node parent with a busy pool, for parent-death tests: three workers, two of them streaming
 * rows, one of them with a grandchild that holds its stdout, and a fourth child still before its
 * handshake that has already forked a grandchild. Every child carries the marker from
 * this process's environment. Prints `ready` once everything runs, then ends as argv[2] says:
 *
 *   sigkill | sigterm   waits to be killed by the test
 *   uncaught            throws an uncaught exception once a line comes on stdin
 *   exit                calls process.exit(0) without closing the pool once a line comes on stdin
 */
import { readdirSync, readFileSync } from 'node:fs';
import { LeanWorkerPool } from '../../../dist/src/pool/pool.js';

const mode = process.argv[2] ?? 'sigkill';
const mark = process.env.LEAN_WORKER_TEST_MARK ?? 'unmarked';
const children = new URL('../../../dist/fixtures/children/', import.meta.url).pathname;

/** Live processes other than this one whose environment carries the mark. */
function otherMarkedProcesses() {
  const needle = `LEAN_WORKER_TEST_MARK=${mark}\0`;
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
      if (state !== 'Z' && readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle)) count += 1;
    } catch {
      // gone while we looked
    }
  }
  return count;
}

function source(key, args) {
  const launch = {
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LEAN_WORKER_TEST_MARK: mark },
    startupTimeoutMs: 20_000,
    requestTimeoutMs: 120_000,
    requestIdleTimeoutMs: 0,
    shutdownTimeoutMs: 1_000,
    killWaitTimeoutMs: 3_000,
    maxFrameBytes: 1 << 20,
    stderrTailBytes: 4096,
    hardMemoryLimitKib: 0,
    memorySampleIntervalMs: 1_000,
  };
  return {
    sessionKey: () => key,
    resolve: async () => ({ key, launch, session: null, metadata: null, policy: null }),
  };
}

setTimeout(() => process.exit(3), 60_000).unref();
const pool = new LeanWorkerPool({ maxWorkers: 4 });
const early = source('grandchild-early', [`${children}misbehaving.js`, 'grandchild-early']);
pool.acquireLease(early).catch(() => {});
const streaming = ['a', 'b'].map((k) => source(`stream-${k}`, [`${children}test-child.js`, '--lenient']));
const withGrandchild = source('grandchild', [`${children}misbehaving.js`, 'grandchild']);
const leases = await Promise.all([...streaming, withGrandchild].map((s) => pool.acquireLease(s)));
const started = [];
for (const lease of leases.slice(0, 2)) {
  const stream = lease.runDataStream('slow', { rows: 1_000_000, msPerRow: 2 });
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  started.push(
    (async () => {
      while (!(await iterator.next()).done);
    })(),
  );
}
// Everything runs once the four children and both grandchildren exist (on a loaded machine the
// early child's grandchild can come later than the streams' first rows).
const deadline = Date.now() + 20_000;
while (otherMarkedProcesses() < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
process.stdout.write('ready\n');
// The test says when to end, once it has seen every process: however loaded the machine, the end
// never comes before the test's look.
process.stdin.once('data', () => {
  if (mode === 'uncaught') throw new Error('uncaught on purpose');
  if (mode === 'exit') process.exit(0);
});
await Promise.all(started);
