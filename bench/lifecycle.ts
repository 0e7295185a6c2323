/**
 * Lifecycle costs on the test fixture child: cold start (supervisor thread + child + handshake,
 * and a pool's first acquire, which also opens the session), warm acquire, explicit cycle,
 * graceful shutdown, kill, cancellation latency and fatal-exit recovery. Median and p90.
 *
 *   node dist/bench/lifecycle.js [--quick | --smoke] [--out DIR]
 */
import { LeanWorkerError, LeanWorkerPool } from '../src/index.js';
import { SupervisorHandle } from '../src/worker/supervisor-handle.js';
import { crashAfter, echo, forever, relativeToRoot, TEST_CHILD, testChildSource } from './lib/fixtures.js';
import { BenchReport, benchArgs, runMain, step } from './lib/report.js';
import { fmt, type Latency, latency } from './lib/stats.js';

const source = testChildSource(['Bench.Lifecycle']);
const RESTART = { maxRestarts: 1_000, windowMs: 60_000, backoffBaseMs: 0, backoffMaxMs: 0 };
const RELAY = { initialCredit: 8, maxBatchItems: 256, maxBatchBytes: 64 * 1024 };

async function startSupervisor() {
  const resolved = await source.resolve();
  return SupervisorHandle.start({ launch: resolved.launch, restart: RESTART, relay: RELAY });
}

/** Time `n` repetitions of `step`, which returns the milliseconds it measured. */
async function repeat(n: number, once: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await once());
  return out;
}

async function errorCodeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    return error instanceof LeanWorkerError ? error.code : String(error);
  }
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('lifecycle', import.meta.filename, args);
  const n = args.smoke ? 2 : args.quick ? 3 : 30;
  const warmN = args.smoke ? 20 : args.quick ? 200 : 2_000;
  report.header(
    'cold start, warm acquire, cycle, shutdown, kill, cancellation, fatal-exit recovery',
    `test fixture child (node ${relativeToRoot(TEST_CHILD)}); ${n} repetitions per step (${warmN} for warm acquire)`,
  );
  const results: Record<string, Latency> = {};
  const errors: Record<string, string[]> = {};

  step('cold start, graceful shutdown, kill');
  const coldSup: number[] = [];
  const spawnHandshake: number[] = [];
  const graceful: number[] = [];
  const gracefulReported: number[] = [];
  const kill: number[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const t0 = performance.now();
    const handle = await startSupervisor();
    coldSup.push(performance.now() - t0);
    if (handle.info) spawnHandshake.push(handle.info.spawnHandshakeMs);
    const t1 = performance.now();
    const stop = await handle.shutdown(i % 2 === 0 ? 'graceful' : 'kill');
    (i % 2 === 0 ? graceful : kill).push(performance.now() - t1);
    if (i % 2 === 0) gracefulReported.push(stop.elapsedMs);
  }
  results.coldStartSupervisor = latency(coldSup);
  results.coldStartSpawnHandshake = latency(spawnHandshake);
  results.gracefulShutdown = latency(graceful);
  results.gracefulShutdownChildSide = latency(gracefulReported);
  results.kill = latency(kill);

  step('cold acquire');
  results.coldAcquire = latency(
    await repeat(n, async () => {
      const pool = new LeanWorkerPool({ maxWorkers: 1 });
      try {
        const t0 = performance.now();
        const lease = await pool.acquireLease(source);
        const ms = performance.now() - t0;
        lease.release();
        return ms;
      } finally {
        await pool.destroy();
      }
    }),
  );

  const pool = new LeanWorkerPool({
    maxWorkers: 1,
    policy: {
      maxRestarts: RESTART.maxRestarts,
      restartBackoffBaseMs: 0,
      restartBackoffMaxMs: 0,
      quarantineMs: 0,
    },
  });
  try {
    (await pool.acquireLease(source)).release();
    results.warmAcquireRelease = latency(
      await repeat(warmN, async () => {
        const t0 = performance.now();
        const lease = await pool.acquireLease(source);
        lease.release();
        return performance.now() - t0;
      }),
    );

    step('cycle');
    results.cycle = latency(
      await repeat(n, async () => {
        const lease = await pool.acquireLease(source);
        const t0 = performance.now();
        await lease.cycle();
        const ms = performance.now() - t0;
        lease.release();
        return ms;
      }),
    );

    step('cancellation');
    const cancelMs: number[] = [];
    const cancelRecoveryMs: number[] = [];
    errors.cancel = [];
    for (let i = 0; i < n; i++) {
      const lease = await pool.acquireLease(source);
      const controller = new AbortController();
      const stream = lease.runStreamingCommand(forever, {}, { signal: controller.signal });
      const iterator = stream[Symbol.asyncIterator]();
      await iterator.next();
      const t0 = performance.now();
      controller.abort();
      errors.cancel.push(await errorCodeOf(stream.summary));
      cancelMs.push(performance.now() - t0);
      lease.release();
      const again = await pool.acquireLease(source);
      await again.runJsonCommand(echo, { x: i });
      again.release();
      cancelRecoveryMs.push(performance.now() - t0);
    }
    results.cancellation = latency(cancelMs);
    results.cancellationToNextEcho = latency(cancelRecoveryMs);

    step('fatal exit');
    const crashDetectMs: number[] = [];
    const crashRecoveryMs: number[] = [];
    errors.crash = [];
    for (let i = 0; i < n; i++) {
      const lease = await pool.acquireLease(source);
      const t0 = performance.now();
      errors.crash.push(await errorCodeOf(lease.runStreamingCommand(crashAfter, { rows: 1 }).summary));
      const t1 = performance.now();
      crashDetectMs.push(t1 - t0);
      lease.release();
      const again = await pool.acquireLease(source);
      await again.runJsonCommand(echo, { x: i });
      again.release();
      crashRecoveryMs.push(performance.now() - t1);
    }
    results.fatalExitDetected = latency(crashDetectMs);
    results.fatalExitRecovery = latency(crashRecoveryMs);

    const label: Record<string, string> = {
      coldStartSupervisor: 'cold start: supervisor thread + child + handshake',
      coldStartSpawnHandshake: '  of which child spawn -> handshake',
      coldAcquire: 'cold acquire: new pool, first lease (+ session open)',
      warmAcquireRelease: 'warm acquire + release (same key)',
      cycle: 'lease.cycle(): child replaced',
      gracefulShutdown: 'graceful shutdown (terminate, exit, thread end)',
      gracefulShutdownChildSide: '  of which terminate -> child exit',
      kill: 'kill (SIGKILL, reap, thread end)',
      cancellation: 'cancellation: abort -> stream rejects',
      cancellationToNextEcho: 'cancellation: abort -> next echo served',
      fatalExitDetected: 'fatal exit: request -> failure reported',
      fatalExitRecovery: 'fatal exit: failure -> next echo served',
    };
    report.table([
      ['step', 'median ms', 'p90 ms', 'n'],
      ...Object.keys(label).map((k) => {
        const l = results[k] as Latency;
        return [label[k] as string, fmt(l.medianMs, 3), fmt(l.p90Ms, 3), String(l.n)];
      }),
    ]);
    report.print(
      `  error codes: cancellation ${[...new Set(errors.cancel)].join(', ')}; fatal exit ${[...new Set(errors.crash)].join(', ')}`,
    );
    report.print();
    await report.finish({
      workload: { child: relativeToRoot(TEST_CHILD), repetitions: n, warmAcquireRepetitions: warmN },
      memoryMeasure: 'unavailable (latency only)',
      results: { ...results, errorCodes: { cancellation: errors.cancel, fatalExit: errors.crash } },
      caveats: [
        'The fixture child is a Node process (about 40-60 ms to start); a Lean child adds its own start-up and, for a session, its imports.',
        'A cancellation in flight kills the child and starts the next generation, so "abort -> next echo" includes a restart.',
        "Fatal exit uses the test child's crash_after export (process.exit after one row).",
      ],
    });
  } finally {
    await pool.destroy();
  }
}

runMain(main);
