/**
 * End-to-end throughput of the fast fixture child's rows (~150 B, Lean-style Unicode), all cases
 * in one run and interleaved run by run, so their ratios share the machine's load:
 *
 *   baseline      the main thread spawns the child and decodes every frame itself (no pool);
 *   lease         one pool lease, consumer on main / in a worker thread (transferred row port,
 *                 `consumeRowPort`) / in a piscina task fed the transferred row port;
 *   supervisor    a supervisor thread without the pool, natural batching on (<= 256 rows) and off
 *                 (batches of 1), consumer on main and in a worker thread.
 *
 *   node dist/bench/throughput.js [--quick | --smoke] [--out DIR]
 */
import { LeanWorkerPool } from '../src/index.js';
import { type CaseSummary, type RunMeasure, summarise } from './lib/cpu.js';
import { FAST_ROWS_CHILD, fastRowsSource, relativeToRoot } from './lib/fixtures.js';
import { floorCase } from './lib/floor-case.js';
import { BenchReport, benchArgs, check, runMain, step } from './lib/report.js';
import {
  baselineCase,
  ConsumerThread,
  leaseMainCase,
  leasePiscinaCase,
  leaseWorkerCase,
  PiscinaConsumer,
  type RowCase,
  supervisorCase,
  wire,
} from './lib/row-cases.js';
import { fmt, fmtRate } from './lib/stats.js';

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('throughput', import.meta.filename, args);
  const config = args.smoke
    ? { rows: 5_000, runs: 1, warmupRows: 2_000 }
    : args.quick
      ? { rows: 30_000, runs: 3, warmupRows: 5_000 }
      : { rows: 300_000, runs: 5, warmupRows: 30_000 };
  report.header(
    'end-to-end rows through a lease vs a one-thread baseline',
    `fast-rows fixture child (node ${relativeToRoot(FAST_ROWS_CHILD)}), ~150 B rows with Lean-style Unicode; ` +
      `${config.rows.toLocaleString('en-US')} rows per run, ${config.runs} runs per case interleaved across cases, ` +
      `median reported, after one ${config.warmupRows.toLocaleString('en-US')}-row warm-up per case`,
  );

  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  const thread = await ConsumerThread.start();
  const piscina = new PiscinaConsumer();
  const cases: RowCase[] = [];
  try {
    cases.push(await baselineCase());
    const lease = await pool.acquireLease(fastRowsSource());
    cases.push(leaseMainCase(lease), leaseWorkerCase(lease, thread), leasePiscinaCase(lease, piscina));
    cases.push(
      await supervisorCase(256, null),
      await supervisorCase(1, null),
      await supervisorCase(1, thread),
      await floorCase(),
    );
    for (const c of cases) await c.run(config.warmupRows);
    const runs = new Map<string, RunMeasure[]>(cases.map((c) => [c.name, []]));
    for (let r = 0; r < config.runs; r++) {
      for (const c of cases) {
        step(`${c.name} run ${r + 1}`);
        runs.get(c.name)?.push(await c.run(config.rows));
      }
    }
    lease.release();
    const summaries = new Map<string, CaseSummary>(
      cases.map((c) => [c.name, summarise(runs.get(c.name) ?? [])]),
    );
    const base = summaries.get('baseline') as CaseSummary;
    const ratio = (name: string) => (summaries.get(name) as CaseSummary).rowsPerSec / base.rowsPerSec;

    report.print(
      `${fmt(wire.bytesPerRow, 1)} wire bytes per row; CPU in us per row (ELU = event-loop active time):`,
    );
    report.table([
      [
        'case',
        'rows/s',
        'vs baseline',
        'MB/s',
        'main ELU',
        'consumer ELU',
        'supervisor~',
        'on-CPU main/consumer/supervisor',
      ],
      ...cases.map((c) => {
        const s = summaries.get(c.name) as CaseSummary;
        return [
          c.label,
          fmtRate(s.rowsPerSec),
          `${fmt(ratio(c.name))}x`,
          fmt(s.mbPerSec, 1),
          fmt(s.mainUsPerRow),
          s.consumerUsPerRow === null ? '-' : fmt(s.consumerUsPerRow),
          fmt(s.supervisorUsPerRow),
          `${fmt(s.onCpuMainUsPerRow)}/${s.consumerUsPerRow === null ? '-' : fmt(s.onCpuConsumerUsPerRow)}/${fmt(s.onCpuSupervisorUsPerRow)}`,
        ];
      }),
    ]);
    report.print();
    for (const c of cases) {
      report.print(
        `  runs ${c.name}: ${(summaries.get(c.name) as CaseSummary).allRowsPerSec.map(fmtRate).join(', ')} rows/s`,
      );
    }
    const on = summaries.get('supervisorBatch256Main') as CaseSummary;
    const off = summaries.get('supervisorBatch1Main') as CaseSummary;
    report.print(
      `  natural batching off/on (consumer on main): ${fmt(off.rowsPerSec / on.rowsPerSec)}x rows/s, ` +
        `${fmt((off.mainUsPerRow + off.supervisorUsPerRow) / (on.mainUsPerRow + on.supervisorUsPerRow))}x main + supervisor CPU per row`,
    );
    const leaseMain = summaries.get('leaseMain') as CaseSummary;
    const leaseWorker = summaries.get('leaseWorker') as CaseSummary;
    const floor = summaries.get('floor') as CaseSummary;
    const total = (c: CaseSummary) => c.mainUsPerRow + c.supervisorUsPerRow;
    report.print(
      `  floor of the design on this machine (consumer on main): main ${fmt(floor.mainUsPerRow)} us/row, ` +
        `main + decoding thread ${fmt(total(floor))} us/row; the lease costs ` +
        `${fmt(leaseMain.mainUsPerRow / floor.mainUsPerRow)}x and ${fmt(total(leaseMain) / total(floor))}x that`,
    );
    report.print();

    await report.finish({
      workload: {
        child: relativeToRoot(FAST_ROWS_CHILD),
        rowsPerRun: config.rows,
        runs: config.runs,
        warmupRows: config.warmupRows,
        wireBytesPerRow: wire.bytesPerRow,
        cases: cases.map((c) => ({ name: c.name, label: c.label })),
      },
      memoryMeasure:
        'unavailable (CPU and throughput only; see backpressure.json for parent RSS under a slow consumer)',
      results: {
        cases: Object.fromEntries(summaries),
        ratiosToBaseline: Object.fromEntries(cases.map((c) => [c.name, ratio(c.name)])),
        leaseMainOverFloor: {
          mainUsPerRow: leaseMain.mainUsPerRow / floor.mainUsPerRow,
          mainPlusSupervisorUsPerRow: total(leaseMain) / total(floor),
        },
        batchingOffOverOn: {
          rowsPerSec: off.rowsPerSec / on.rowsPerSec,
          mainPlusSupervisorUsPerRow:
            (off.mainUsPerRow + off.supervisorUsPerRow) / (on.mainUsPerRow + on.supervisorUsPerRow),
        },
      },
      checks: {
        'lease main / baseline rows/s': check(ratio('leaseMain'), '>=', 0.75),
        'lease worker / baseline rows/s': check(ratio('leaseWorker'), '>=', 0.9),
        'lease main: main + supervisor us/row': check(
          leaseMain.mainUsPerRow + leaseMain.supervisorUsPerRow,
          '<=',
          2,
        ),
        'lease main: main us/row': check(leaseMain.mainUsPerRow, '<=', 0.7),
        'lease worker: main us/row': check(leaseWorker.mainUsPerRow, '<=', 0.1),
      },
      caveats: [
        'supervisor~ is process CPU (all threads, the child excluded) minus the main and consumer ELU, so it also counts GC helper and libuv threads; the on-CPU column is schedstat time of the main thread, the consumer thread and the busiest other thread (the supervisor).',
        'ELU counts wall time a thread was busy, including time it waited for a core on a loaded machine; compare the on-CPU column then.',
        'The child runs on the same 2 cores; its CPU is in no per-row figure.',
        "The baseline decodes each frame with the supervisor's decoder (rows: payload decoded and parsed) and checks no payload schema; the lease cases check every row against the command's row schema (compiled zod, in the supervisor); the supervisor cases send no schema.",
        'The floor case is the design with nothing but its unavoidable work: a worker thread decodes and parses each payload and posts one JSON array per read, main parses it and loops over the payloads synchronously; no credit, no schema, no row objects, no async iteration.',
        'The pool fixes the relay at <= 256 rows / 64 KiB per batch; batching off (batches of 1) is only reachable on a supervisor started without the pool, which is why that comparison uses supervisor cases.',
        'MB/s uses the wire bytes per row measured on the baseline.',
      ],
    });
  } finally {
    for (const c of cases) await c.close().catch(() => {});
    await thread.close();
    await piscina.close();
    await pool.destroy();
  }
}

runMain(main);
