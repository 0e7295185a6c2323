/**
 * A pool owner meant to run as PID 1 of a fresh PID namespace (`unshare --pid --fork --mount-proc`),
 * through the public API of the compiled tree, over `pid1-child.mjs` (which exits at once when its
 * parent is PID 1). Prints one JSON report on stdout and exits 0; any unexpected failure exits 1
 * with the error on stderr.
 *
 *   serve     streams rows, has children replaced after a crash, after a crash that leaves a
 *             grandchild in a session of its own, and after an outside SIGKILL; reports what it saw,
 *             the zombies and processes in the namespace after the replacements and after close
 *   refused   (run where PID namespaces are refused) tries to start a worker more times than the
 *             restart intensity allows and reports each error code and reason
 */
import { readdirSync, readFileSync } from 'node:fs';
import { LeanWorkerPool } from '../../../dist/src/index.js';

const mode = process.argv[2] ?? 'serve';
const child = new URL('./pid1-child.mjs', import.meta.url).pathname;
setTimeout(() => {
  process.stderr.write('pid1-parent: gave up after 60 s\n');
  process.exit(2);
}, 60_000).unref();

const source = {
  sessionKey: () => 'pid1',
  resolve: async () => ({
    key: 'pid1',
    launch: {
      command: process.execPath,
      args: [child],
      // The test's marker, so that it can look for anything left behind from outside.
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        LEAN_WORKER_TEST_MARK: process.env.LEAN_WORKER_TEST_MARK ?? '',
      },
      startupTimeoutMs: 10_000,
      requestTimeoutMs: 20_000,
      requestIdleTimeoutMs: 0,
      shutdownTimeoutMs: 2_000,
      killWaitTimeoutMs: 5_000,
      maxFrameBytes: 1 << 20,
      stderrTailBytes: 4096,
      hardMemoryLimitKib: 0,
      memorySampleIntervalMs: 250,
    },
    session: null,
    metadata: null,
    policy: null,
  }),
};

/** Every process this namespace's /proc shows, with its state, parent and name. */
function processes() {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'latin1');
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({
        pid: Number(entry),
        name: /^Name:\t(.*)$/m.exec(status)?.[1] ?? '',
        state: /^State:\t(\S)/m.exec(status)?.[1] ?? '',
        ppid: Number(/^PPid:\t(\d+)$/m.exec(status)?.[1] ?? -1),
        cmdline,
      });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The orphan watchdog: a `/bin/sh -c` program started with the first child, alive until this process exits. */
function isWatchdog(p) {
  return p.cmdline.startsWith("/bin/sh -c trap '' HUP INT TERM");
}

const children = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
};
const vmRssKib = (pid) =>
  Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The worker children: what each unshare launcher this process spawned runs. */
function workerChildren() {
  return processes()
    .filter((p) => p.ppid === process.pid && p.name === 'unshare')
    .flatMap((p) => children(p.pid));
}

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (error) {
    return {
      code: error.code,
      reason: error.facts?.reason ?? null,
      exitCode: error.facts?.exitCode,
      signal: error.facts?.signal,
    };
  }
}

async function serve() {
  const pool = new LeanWorkerPool({ maxWorkers: 1, policy: { maxRestarts: 10, restartWindowMs: 60_000 } });
  const report = { pid: process.pid };
  let lease = await pool.acquireLease(source);
  const streamed = await lease.runDataStream('rows', { count: 200 }).collect();
  report.rows = streamed.rows.length;
  report.childParents = [...new Set(streamed.rows.map((r) => r.payload.ppid))];
  report.childPids = [...new Set(streamed.rows.map((r) => r.payload.pid))];
  const inits = workerChildren();
  report.memory = {
    sampledRssKib: pool.snapshot().memory.rssSumKib,
    childRssKib: inits.length === 1 ? vmRssKib(inits[0]) : null,
  };

  report.crash = await failure(lease.runDataStream('crash', {}).collect());
  lease.release();
  lease = await pool.acquireLease(source);
  report.orphan = await failure(lease.runDataStream('orphan', {}).collect());
  lease.release();
  lease = await pool.acquireLease(source);
  const slow = lease.runDataStream('slow', {});
  const slowDone = failure(slow.collect());
  await sleep(200);
  for (const pid of workerChildren()) process.kill(pid, 'SIGKILL');
  report.killed = await slowDone;
  lease.release();
  lease = await pool.acquireLease(source);
  report.rowsAfter = (await lease.runDataStream('rows', { count: 20 }).collect()).rows.length;
  lease.release();

  await sleep(300);
  report.zombiesServing = processes().filter((p) => p.state === 'Z');
  report.restarts = pool.snapshot().workerRestarts;
  await pool.close();
  await sleep(300);
  const after = processes().filter((p) => p.pid !== process.pid);
  report.zombiesClosed = after.filter((p) => p.state === 'Z');
  // The orphan watchdog stays until this process exits; it is no worker process.
  report.leftClosed = after.filter((p) => !isWatchdog(p));
  return report;
}

async function refused() {
  const pool = new LeanWorkerPool({ maxWorkers: 1, policy: { maxRestarts: 1, restartWindowMs: 60_000 } });
  const attempts = [];
  for (let i = 0; i < 4; i++) attempts.push(await failure(pool.acquireLease(source)));
  const error = await pool.acquireLease(source).then(
    () => null,
    (e) => e,
  );
  await pool.close();
  return {
    pid: process.pid,
    attempts,
    facts: error?.facts ?? null,
    left: processes().filter((p) => p.pid !== process.pid && !isWatchdog(p)),
  };
}

try {
  const report = mode === 'refused' ? await refused() : await serve();
  process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
} catch (error) {
  process.stderr.write(`pid1-parent: ${error?.stack ?? error}\n`);
  process.exit(1);
}
