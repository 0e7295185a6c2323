/**
 * Warm acquire + `runJsonCommand` + release through the pool against the same `json_command`
 * sent straight to a bare child from the main thread (no pool, no supervisor thread).
 *
 *   node dist/bench/round-trip.js [--quick | --smoke] [--out DIR]
 */
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { MessageChannel, Worker } from 'node:worker_threads';
import { LeanWorkerPool } from '../src/index.js';
import { BareChild } from './lib/bare-child.js';
import { echo, FAST_ROWS_CHILD, fastRowsSource, relativeToRoot } from './lib/fixtures.js';
import type { RelayCall } from './lib/relay-worker.js';
import { BenchReport, benchArgs, check, runMain } from './lib/report.js';
import { fmt, latency } from './lib/stats.js';

async function timed(n: number, once: (i: number) => Promise<void>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once(i);
    ms.push(performance.now() - t0);
  }
  return ms;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('round-trip', import.meta.filename, args);
  const n = args.smoke ? 50 : args.quick ? 300 : 3_000;
  const warm = args.smoke ? 20 : args.quick ? 100 : 300;
  const rounds = args.smoke ? 1 : 3;
  report.header(
    'warm acquire + runJsonCommand round trip vs a bare child',
    `json_command echo on the fast-rows fixture child (node ${relativeToRoot(FAST_ROWS_CHILD)}); ` +
      `${rounds} alternating rounds of ${n} round trips per side after ${warm} warm-up trips`,
  );
  const bare = await BareChild.start(FAST_ROWS_CHILD);
  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  const relayThread = new Worker(new URL('./lib/relay-worker.js', import.meta.url), {
    workerData: FAST_ROWS_CHILD,
  });
  const relayExit = once(relayThread, 'exit');
  const hop = new MessageChannel();
  try {
    await once(relayThread, 'message');
    relayThread.postMessage(hop.port2, [hop.port2]);
    const source = fastRowsSource();
    const bareTrip = async (i: number) => {
      const reply = (await bare.echo(i)) as { echo: { x: number } };
      if (reply.echo.x !== i) throw new Error('bare echo mismatch');
    };
    const poolTrip = async (i: number) => {
      const lease = await pool.acquireLease(source);
      try {
        const reply = await lease.runJsonCommand(echo, { x: i });
        if (reply.echo.x !== i) throw new Error('pool echo mismatch');
      } finally {
        lease.release();
      }
    };
    // The floor of any design with a thread between caller and child: a thread that owns its
    // own bare child and relays the same request over a MessagePort, nothing else.
    const floorTrip = async (i: number) => {
      const back = once(hop.port1, 'message');
      hop.port1.postMessage({ call: i, x: i } satisfies RelayCall);
      const [answer] = (await back) as [{ call: number; reply?: { echo: { x: number } } }];
      if (answer.call !== i || answer.reply?.echo.x !== i) throw new Error('relay echo mismatch');
    };
    await timed(warm, bareTrip);
    await timed(warm, poolTrip);
    await timed(warm, floorTrip);
    const bareMs: number[] = [];
    const poolMs: number[] = [];
    const floorMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      bareMs.push(...(await timed(n, bareTrip)));
      poolMs.push(...(await timed(n, poolTrip)));
      floorMs.push(...(await timed(n, floorTrip)));
    }
    const b = latency(bareMs);
    const p = latency(poolMs);
    const f = latency(floorMs);
    const ratio = p.medianMs / b.medianMs;
    const row = (side: string, l: typeof b) => [
      side,
      ...[l.medianMs, l.p90Ms, l.p99Ms, l.meanMs].map((ms) => fmt(ms, 3)),
    ];
    report.table([
      ['side', 'median ms', 'p90 ms', 'p99 ms', 'mean ms'],
      row('bare child (codec on main, no pool)', b),
      row('pool: acquire + runJsonCommand + release', p),
      row('floor: a thread relaying to its own bare child', f),
    ]);
    report.print(
      `  ratio pool/bare: median ${fmt(ratio)}x, p90 ${fmt(p.p90Ms / b.p90Ms)}x, p99 ${fmt(p.p99Ms / b.p99Ms)}x`,
    );
    report.print(
      `  floor/bare: median ${fmt(f.medianMs / b.medianMs)}x; the pool's own work on top of the floor: ` +
        `${fmt((p.medianMs - f.medianMs) * 1000, 0)} us a trip (median)`,
    );
    report.print();
    await report.finish({
      workload: { child: relativeToRoot(FAST_ROWS_CHILD), tripsPerRound: n, rounds, warmupTrips: warm },
      memoryMeasure: 'unavailable (latency only)',
      results: {
        bare: b,
        pool: p,
        floor: f,
        ratioFloorMedian: f.medianMs / b.medianMs,
        ratioMedian: ratio,
        ratioP90: p.p90Ms / b.p90Ms,
        ratioP99: p.p99Ms / b.p99Ms,
      },
      checks: {
        'pool/bare median ratio': check(ratio, '<=', 1.5),
        'pool median (ms)': check(p.medianMs, '<', 1),
      },
      caveats: [
        'The pool trip includes acquireLease on a warm entry of the same key, zod checks of request and response, the hop to the supervisor thread and back, and release.',
        'Both sides share one machine with the child; on a loaded machine the tail (p99) reflects scheduling more than the code.',
        'The floor side is a worker thread that owns its own fast-rows child and relays each echo to it over a MessagePort, with no lease, schema, deadline or counter: what a thread between caller and child costs on this machine before any pool work.',
        "The pool's cost per trip does not depend on the child, so the ratio does: the fixture child answers through libuv's thread pool (the child kit writes with fs.write), and a child that answers faster makes the same pool cost a larger ratio.",
      ],
    });
  } finally {
    // Closing the port stops the relay's child; the thread then ends on its own.
    hop.port1.close();
    await Promise.race([relayExit, sleep(3000)]);
    await relayThread.terminate();
    await bare.stop();
    await pool.destroy();
  }
}

runMain(main);
