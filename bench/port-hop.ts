/**
 * Port hop: rows crossing from a real worker thread to the main thread over a transferred
 * MessagePort, in four modes: one message per row (objects), natural batches of objects, a batch
 * as one string of JSON lines, and a batch as a transferred ArrayBuffer of UTF-8 lines. The main
 * thread materialises every row as an object in every mode. Reports rows/s and CPU per row on
 * each side (event-loop utilisation).
 *
 *   node dist/bench/port-hop.js [--quick | --smoke] [--out DIR]
 */
import { once } from 'node:events';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { HopMode } from './lib/port-hop-worker.js';
import { BenchReport, benchArgs, runMain } from './lib/report.js';
import { makeRows, ROW_SETS, type RowSize } from './lib/rows.js';
import { fmt, fmtRate, median } from './lib/stats.js';

const MODES: readonly HopMode[] = ['per-row', 'objects', 'string', 'arraybuffer'];

interface HopRun {
  readonly rowsPerSec: number;
  readonly mainUsPerRow: number;
  readonly senderUsPerRow: number;
}

/** Split JSON lines and parse each; returns the sum of sequence numbers. */
function parseLines(text: string): number {
  let sum = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const row = JSON.parse(end < 0 ? text.slice(start) : text.slice(start, end)) as { sequence: number };
    sum += row.sequence;
    if (end < 0) return sum;
    start = end + 1;
  }
}

function receiver(port: MessagePort) {
  const decoder = new TextDecoder();
  let rows = 0;
  let checksum = 0;
  let onDone: (() => void) | null = null;
  port.on('message', (m: unknown) => {
    if (typeof m === 'string') {
      checksum += parseLines(m);
      rows += m.split('\n', 257).length;
    } else if (m instanceof ArrayBuffer) {
      const text = decoder.decode(new Uint8Array(m));
      checksum += parseLines(text);
      rows += text.split('\n', 257).length;
    } else if (Array.isArray(m)) {
      for (const row of m as { sequence: number }[]) checksum += row.sequence;
      rows += m.length;
    } else if ((m as { done?: boolean }).done) {
      onDone?.();
    } else {
      checksum += (m as { sequence: number }).sequence;
      rows += 1;
    }
  });
  return {
    async run(worker: Worker, mode: HopMode, reps: number, perSet: number): Promise<HopRun> {
      rows = 0;
      checksum = 0;
      const done = new Promise<void>((resolve) => (onDone = resolve));
      const elu0 = performance.eventLoopUtilization();
      const welu0 = worker.performance.eventLoopUtilization();
      const t0 = performance.now();
      worker.postMessage({ mode, reps });
      await done;
      const seconds = (performance.now() - t0) / 1000;
      const mainUs = performance.eventLoopUtilization(performance.eventLoopUtilization(), elu0).active * 1000;
      const senderUs =
        worker.performance.eventLoopUtilization(worker.performance.eventLoopUtilization(), welu0).active *
        1000;
      const expectedSum = (reps * perSet * (perSet - 1)) / 2;
      if (rows !== reps * perSet || checksum !== expectedSum) {
        throw new Error(
          `${mode}: ${rows} rows (checksum ${checksum}), expected ${reps * perSet} (${expectedSum})`,
        );
      }
      return { rowsPerSec: rows / seconds, mainUsPerRow: mainUs / rows, senderUsPerRow: senderUs / rows };
    },
  };
}

async function measureSize(size: RowSize, reps: number, runs: number) {
  const channel = new MessageChannel();
  const worker = new Worker(new URL('./lib/port-hop-worker.js', import.meta.url), {
    workerData: { size, port: channel.port2 },
    transferList: [channel.port2],
  });
  try {
    const [ready] = (await once(worker, 'message')) as [{ ready: number }];
    const recv = receiver(channel.port1);
    const out = [];
    for (const mode of MODES) {
      await recv.run(worker, mode, 1, ready.ready);
      const measured: HopRun[] = [];
      for (let r = 0; r < runs; r++) measured.push(await recv.run(worker, mode, reps, ready.ready));
      out.push({
        mode,
        rows: reps * ready.ready,
        rowsPerSec: median(measured.map((m) => m.rowsPerSec)),
        mainUsPerRow: median(measured.map((m) => m.mainUsPerRow)),
        senderUsPerRow: median(measured.map((m) => m.senderUsPerRow)),
        allRowsPerSec: measured.map((m) => m.rowsPerSec),
      });
    }
    return out;
  } finally {
    channel.port1.close();
    await worker.terminate();
  }
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('port-hop', import.meta.filename, args);
  const reps: Record<RowSize, number> = args.smoke
    ? { small: 1, large: 1 }
    : args.quick
      ? { small: 4, large: 16 }
      : { small: 32, large: 128 };
  const runs = args.smoke ? 1 : args.quick ? 3 : 5;
  const bytes = (size: RowSize) => {
    const rows = makeRows(size, 64);
    return rows.reduce((n, r) => n + Buffer.byteLength(JSON.stringify(r)), 0) / rows.length;
  };
  report.header(
    'worker thread -> main over a transferred MessagePort',
    `the ${ROW_SETS.small.toLocaleString('en-US')}-row small set (~${Math.round(bytes('small'))} B JSON per row) x${reps.small} and ` +
      `the ${ROW_SETS.large}-row large set (~${Math.round(bytes('large'))} B) x${reps.large} per run, median of ${runs} runs after one warm-up set; ` +
      'batches close at 256 rows or 64 KiB; main turns every row into an object',
  );
  const results: Record<string, unknown[]> = {};
  for (const size of ['small', 'large'] as const) {
    const set = await measureSize(size, reps[size], runs);
    results[size] = set;
    const base = set[0] as { rowsPerSec: number };
    report.print(`${size} rows:`);
    report.table([
      ['mode', 'rows/s', 'vs per-row', 'main us/row', 'sender us/row', 'total us/row'],
      ...set.map((s) => [
        s.mode,
        fmtRate(s.rowsPerSec),
        `${fmt(s.rowsPerSec / base.rowsPerSec)}x`,
        fmt(s.mainUsPerRow),
        fmt(s.senderUsPerRow),
        fmt(s.mainUsPerRow + s.senderUsPerRow),
      ]),
    ]);
    report.print();
  }
  await report.finish({
    workload: { rowSets: ROW_SETS, reps, runs, batchRows: 256, batchBytes: 64 * 1024, modes: MODES },
    memoryMeasure: 'unavailable (not measured: senders post as fast as they can, without credit)',
    results,
    caveats: [
      "The sender starts from each row's JSON text (what a supervisor reads from its child). per-row and objects parse it there (where validation would run); string and arraybuffer leave parsing to main.",
      'arraybuffer copies a pre-encoded UTF-8 chunk before transferring it, standing for a pipe chunk forwarded as read; framing such chunks would also fall to the receiver.',
      'CPU per row is event-loop utilisation (active time per row); on a loaded machine it includes time a thread waited for a core.',
      "No credit or backpressure here: the receiver's queue may grow during a run.",
    ],
  });
}

runMain(main);
