/**
 * Throughput, CPU, memory and round-trip benchmark against the design targets, in one run:
 *
 *   1. baseline: one thread, no pool; the main thread spawns the fast child itself, speaks the
 *      codec (handshake, configure_frame_limit, run_data_stream), decodes and JSON.parses every
 *      frame and counts rows;
 *   2. one pool lease, consumer on the main thread (`for await` over `runStreamingCommand`);
 *   3. one pool lease, consumer in a worker thread (`transferPort()` + `consumeRowPort`);
 *   4. a slow consumer on the main thread: parent RSS growth while the child produces rows;
 *   5. warm acquire + `runJsonCommand(echo)` + release vs the same request on a bare child.
 *
 * `node dist/bench/throughput.js [--quick]`; the JSON result goes to bench/results/throughput.json.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isMainThread, type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import { z } from 'zod';
import {
  consumeRowPort,
  DEFAULT_FRAME_BYTES,
  defineJsonCommand,
  defineStreamingCommand,
  fixturePath,
  LeanWorkerCapabilityBuilder,
  LeanWorkerPool,
  type LeanWorkerSessionLease,
} from '../src/index.js';
import {
  type ChildMessage,
  decodeChildMessage,
  encodeConfigureFrameLimit,
  encodeRequest,
  FrameDecoder,
} from '../src/protocol/index.js';

// ---------------------------------------------------------------------------------------------
// Consumer thread (case 3): reads a transferred row port and reports what it saw.

interface ConsumerDone {
  readonly rows: number;
  readonly checksum: number;
  readonly ok: boolean;
  readonly error?: string;
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'row-consumer') {
  const port = parentPort as MessagePort;
  port.postMessage({ tid: ownTid() });
  port.on('message', async (message: { port: MessagePort }) => {
    const consumer = consumeRowPort<{ i: number }>(message.port);
    let rows = 0;
    let checksum = 0;
    try {
      for await (const row of consumer) {
        rows += 1;
        checksum += row.payload.i;
      }
      await consumer.summary;
      port.postMessage({ rows, checksum, ok: true } satisfies ConsumerDone);
    } catch (error) {
      port.postMessage({ rows, checksum, ok: false, error: String(error) } satisfies ConsumerDone);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Shared helpers.

const quick = process.argv.includes('--quick');
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));
const childScript = fixturePath('children/fast-rows');

const config = quick
  ? { rows: 200_000, runs: 3, warmupRows: 20_000, slowRows: 200_000, roundTrips: 500, warmupTrips: 100 }
  : {
      rows: 1_000_000,
      runs: 3,
      warmupRows: 50_000,
      slowRows: 1_000_000,
      roundTrips: 2_000,
      warmupTrips: 200,
    };
/** Slow consumer: await a 1 ms timer after every this many rows. */
const SLOW_EVERY_ROWS = 256;

const TARGETS = {
  mainConsumerRatio: 0.75,
  workerConsumerRatio: 0.9,
  mainPlusSupervisorUsPerRow: 2,
  mainUsPerRow: 0.7,
  slowConsumerRssGrowthMb: 32,
  roundTripRatio: 1.5,
  roundTripAbsoluteMs: 1,
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
};
const mb = (bytes: number): number => bytes / (1024 * 1024);
const fmt = (n: number, digits = 2): string => n.toFixed(digits);
const fmtRate = (n: number): string => (n >= 1e6 ? `${fmt(n / 1e6)} M` : `${fmt(n / 1e3, 0)} k`);
const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISSED');

/**
 * On-CPU time (microseconds) of every thread of this process: `/proc/self/task/TID/schedstat`
 * (nanoseconds), falling back to utime+stime from `stat` (10 ms ticks). Unlike ELU, this does not
 * count time a thread was runnable but waiting for a core.
 */
function threadCpuMicros(): Map<number, number> | null {
  try {
    const out = new Map<number, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const sched = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8');
        out.set(Number(tid), Number(sched.split(' ')[0]) / 1000);
      } catch {
        try {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          out.set(Number(tid), (Number(fields[11]) + Number(fields[12])) * 10_000);
        } catch {
          // the thread ended between readdir and read
        }
      }
    }
    return out;
  } catch {
    return null;
  }
}

/** This thread's id, from /proc/thread-self (Linux), or -1. */
function ownTid(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return -1;
  }
}

/** The consumer worker's thread id (case 3), reported by the worker when it starts. */
let consumerTid = -1;

/** Per-thread on-CPU deltas (us): main, the consumer worker, the busiest other thread, the rest. */
function threadDeltas(before: Map<number, number> | null, after: Map<number, number> | null) {
  if (!before || !after) return null;
  const delta = (tid: number) => (after.get(tid) ?? 0) - (before.get(tid) ?? 0);
  const others: number[] = [];
  for (const tid of after.keys()) {
    if (tid !== process.pid && tid !== consumerTid) others.push(delta(tid));
  }
  others.sort((a, b) => b - a);
  return {
    main: delta(process.pid),
    consumer: consumerTid > 0 && after.has(consumerTid) ? delta(consumerTid) : 0,
    busiestOther: others[0] ?? 0,
    rest: others.slice(1).reduce((a, b) => a + b, 0),
  };
}

interface CpuProbe {
  readonly t: number;
  readonly elu: ReturnType<typeof performance.eventLoopUtilization>;
  readonly cpu: NodeJS.CpuUsage;
  readonly threads: Map<number, number> | null;
  readonly workerElu: ReturnType<typeof performance.eventLoopUtilization> | null;
}

function probe(worker?: Worker): CpuProbe {
  return {
    t: performance.now(),
    elu: performance.eventLoopUtilization(),
    cpu: process.cpuUsage(),
    threads: threadCpuMicros(),
    workerElu: worker ? worker.performance.eventLoopUtilization() : null,
  };
}

interface RunMeasure {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly rowsPerSec: number;
  readonly mbPerSec: number;
  /** Main-thread ELU active time per row. */
  readonly mainUsPerRow: number;
  /** Whole-process CPU (all threads, the child excluded) per row. */
  readonly processUsPerRow: number;
  /** Consumer worker ELU active per row (case 3 only). */
  readonly consumerUsPerRow: number | null;
  /** process CPU - main ELU active (- consumer ELU active): the supervisor approximation. */
  readonly supervisorApproxUsPerRow: number;
  /** On-CPU time per row from /proc schedstat: main, consumer worker, busiest other thread (the supervisor), the rest. */
  readonly cpuMainUsPerRow: number | null;
  readonly cpuConsumerUsPerRow: number | null;
  readonly cpuSupervisorUsPerRow: number | null;
  readonly cpuRestUsPerRow: number | null;
}

function measure(
  before: CpuProbe,
  after: CpuProbe,
  rows: number,
  bytes: number,
  worker?: Worker,
): RunMeasure {
  const seconds = (after.t - before.t) / 1000;
  const mainActiveUs = performance.eventLoopUtilization(after.elu, before.elu).active * 1000;
  const cpu = process.cpuUsage(before.cpu);
  const processUs = cpu.user + cpu.system;
  // Read after the consumer finished: `worker.performance` is sampled on the worker's loop.
  const consumerActiveUs =
    worker && before.workerElu && after.workerElu
      ? worker.performance.eventLoopUtilization(after.workerElu, before.workerElu).active * 1000
      : null;
  const threads = threadDeltas(before.threads, after.threads);
  return {
    rows,
    bytes,
    seconds,
    rowsPerSec: rows / seconds,
    mbPerSec: mb(bytes) / seconds,
    mainUsPerRow: mainActiveUs / rows,
    processUsPerRow: processUs / rows,
    consumerUsPerRow: consumerActiveUs === null ? null : consumerActiveUs / rows,
    supervisorApproxUsPerRow: (processUs - mainActiveUs - (consumerActiveUs ?? 0)) / rows,
    cpuMainUsPerRow: threads ? threads.main / rows : null,
    cpuConsumerUsPerRow: threads && worker ? threads.consumer / rows : null,
    cpuSupervisorUsPerRow: threads ? threads.busiestOther / rows : null,
    cpuRestUsPerRow: threads ? threads.rest / rows : null,
  };
}

function summarise(runs: RunMeasure[]) {
  const pick = (f: (r: RunMeasure) => number) => median(runs.map(f));
  return {
    runs: runs.length,
    rowsPerRun: runs[0]?.rows ?? 0,
    bytesPerRun: runs[0]?.bytes ?? 0,
    rowsPerSec: pick((r) => r.rowsPerSec),
    mbPerSec: pick((r) => r.mbPerSec),
    seconds: pick((r) => r.seconds),
    mainUsPerRow: pick((r) => r.mainUsPerRow),
    processUsPerRow: pick((r) => r.processUsPerRow),
    consumerUsPerRow: runs[0]?.consumerUsPerRow === null ? null : pick((r) => r.consumerUsPerRow ?? 0),
    supervisorApproxUsPerRow: pick((r) => r.supervisorApproxUsPerRow),
    cpuMainUsPerRow: runs[0]?.cpuMainUsPerRow === null ? null : pick((r) => r.cpuMainUsPerRow ?? 0),
    cpuConsumerUsPerRow:
      runs[0]?.cpuConsumerUsPerRow === null ? null : pick((r) => r.cpuConsumerUsPerRow ?? 0),
    cpuSupervisorUsPerRow:
      runs[0]?.cpuSupervisorUsPerRow === null ? null : pick((r) => r.cpuSupervisorUsPerRow ?? 0),
    cpuRestUsPerRow: runs[0]?.cpuRestUsPerRow === null ? null : pick((r) => r.cpuRestUsPerRow ?? 0),
    allRowsPerSec: runs.map((r) => r.rowsPerSec),
  };
}
type CaseSummary = ReturnType<typeof summarise>;

// ---------------------------------------------------------------------------------------------
// Bare child: the baseline reader, one thread, no pool.

class BareChild {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #decoder = new FrameDecoder(DEFAULT_FRAME_BYTES);
  #onMessage: ((message: ChildMessage, bytes: number) => void) | null = null;
  #queued: { message: ChildMessage; bytes: number }[] = [];

  private constructor() {
    this.#proc = spawn(process.execPath, [childScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.#proc.stdout.on('data', (chunk: Buffer) => {
      const frames = this.#decoder.push(chunk);
      const lengths = this.#decoder.frameLengths;
      for (let i = 0; i < frames.length; i++) {
        const message = decodeChildMessage(frames[i] as string);
        const bytes = (lengths[i] as number) + 4;
        if (this.#onMessage) this.#onMessage(message, bytes);
        else this.#queued.push({ message, bytes });
      }
    });
  }

  /** Spawn, read the handshake, send configure_frame_limit. */
  static async start(): Promise<BareChild> {
    const child = new BareChild();
    const handshake = await child.#next();
    if (handshake.type !== 'handshake') throw new Error(`expected handshake, got ${handshake.type}`);
    child.#proc.stdin.write(encodeConfigureFrameLimit(DEFAULT_FRAME_BYTES));
    return child;
  }

  #next(): Promise<ChildMessage> {
    const queued = this.#queued.shift();
    if (queued) return Promise.resolve(queued.message);
    return new Promise((resolve) => {
      this.#onMessage = (message) => {
        this.#onMessage = null;
        resolve(message);
      };
    });
  }

  /** run_data_stream `rows`: count and sum rows until the terminal response. */
  stream(count: number): Promise<{ rows: number; bytes: number; checksum: number }> {
    return new Promise((resolve, reject) => {
      let rows = 0;
      let bytes = 0;
      let checksum = 0;
      this.#onMessage = (message, frameBytes) => {
        bytes += frameBytes;
        if (message.type === 'data_row') {
          rows += 1;
          checksum += (message.body.payload as { i: number }).i;
          return;
        }
        if (message.type === 'response') {
          this.#onMessage = null;
          if (message.body.status === 'stream_complete') resolve({ rows, bytes, checksum });
          else reject(new Error(`stream failed: ${JSON.stringify(message.body)}`));
        }
      };
      this.#proc.stdin.write(
        encodeRequest({
          op: 'run_data_stream',
          export: 'rows',
          request_json: JSON.stringify({ count }),
          progress: false,
        }),
      );
    });
  }

  /** json_command `echo`: one round trip. */
  async echo(x: number): Promise<unknown> {
    const reply = this.#next();
    this.#proc.stdin.write(
      encodeRequest({ op: 'json_command', export: 'echo', request_json: JSON.stringify({ x }) }),
    );
    const message = await reply;
    if (message.type !== 'response' || message.body.status !== 'json_command') {
      throw new Error(`echo failed: ${JSON.stringify(message)}`);
    }
    return JSON.parse(message.body.response_json);
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.#proc.once('exit', resolve));
    this.#proc.stdin.end(encodeRequest({ op: 'terminate' }));
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Pool side.

const rowsCommand = defineStreamingCommand({
  export: 'rows',
  request: z.object({ count: z.number().int().nonnegative() }),
  row: z.object({ i: z.number(), name: z.string(), type: z.string() }),
  summary: z.object({ rows: z.number() }),
});
const echoCommand = defineJsonCommand({
  export: 'echo',
  request: z.object({ x: z.number() }),
  response: z.object({ echo: z.object({ x: z.number() }) }),
});

const source = new LeanWorkerCapabilityBuilder({
  projectRoot: packageRoot,
  package: 'Bench',
  libName: 'Bench',
  imports: ['Bench'],
  skipBuild: true,
  worker: { command: process.execPath, args: [childScript] },
});

type Lease = LeanWorkerSessionLease;

/** Bytes per wire frame, measured once from a bare child so the pool cases report MB/s too. */
let bytesPerRow = 0;

async function poolMainRun(lease: Lease, count: number): Promise<RunMeasure> {
  const before = probe();
  let rows = 0;
  let checksum = 0;
  const stream = lease.runStreamingCommand(rowsCommand, { count });
  for await (const row of stream) {
    rows += 1;
    checksum += row.payload.i;
  }
  await stream.summary;
  const after = probe();
  if (rows !== count) throw new Error(`pool/main: expected ${count} rows, got ${rows}`);
  void checksum;
  return measure(before, after, rows, rows * bytesPerRow);
}

async function poolWorkerRun(lease: Lease, consumer: Worker, count: number): Promise<RunMeasure> {
  const done = new Promise<ConsumerDone>((resolve) => consumer.once('message', resolve));
  const before = probe(consumer);
  const stream = lease.runStreamingCommand(rowsCommand, { count });
  const port = stream.transferPort();
  consumer.postMessage({ port }, [port]);
  const [result] = await Promise.all([done, stream.summary]);
  const after = probe(consumer);
  if (!result.ok || result.rows !== count) {
    throw new Error(`pool/worker: expected ${count} rows, got ${result.rows} (${result.error ?? 'ok'})`);
  }
  return measure(before, after, result.rows, result.rows * bytesPerRow, consumer);
}

async function slowConsumer(lease: Lease, count: number) {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const samples: number[] = [];
  const timer = setInterval(() => {
    const rss = process.memoryUsage().rss;
    samples.push(rss);
    if (rss > peak) peak = rss;
  }, 100);
  const t0 = performance.now();
  const stream = lease.runStreamingCommand(rowsCommand, { count });
  let rows = 0;
  for await (const row of stream) {
    rows += 1;
    if (row.sequence % SLOW_EVERY_ROWS === 0) await sleep(1);
  }
  await stream.summary;
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  const rssAfter = process.memoryUsage().rss;
  peak = Math.max(peak, rssAfter);
  const outcome = await stream.outcome;
  return {
    rows,
    seconds,
    rowsPerSec: rows / seconds,
    consumer: `main thread, awaits a 1 ms timer every ${SLOW_EVERY_ROWS} rows`,
    rssBeforeMb: mb(rssBefore),
    rssAfterMb: mb(rssAfter),
    rssPeakMb: mb(peak),
    growthAfterMb: mb(rssAfter - rssBefore),
    growthPeakMb: mb(peak - rssBefore),
    samples: samples.length,
    backpressureWaits: outcome.stats.backpressureWaits,
  };
}

function latencyStats(ms: number[]) {
  return {
    n: ms.length,
    medianMs: median(ms),
    p99Ms: percentile(ms, 99),
    meanMs: ms.reduce((a, b) => a + b, 0) / ms.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Main.

async function main(): Promise<void> {
  const cpus = os.cpus();
  const platform = {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    totalMemoryGb: os.totalmem() / 1024 ** 3,
    loadAverageAtStart: os.loadavg(),
  };
  const command = `node dist/bench/throughput.js${quick ? ' --quick' : ''}`;
  const print = (line = '') => process.stdout.write(`${line}\n`);

  print('lean-worker-pool throughput benchmark');
  print(`command:  ${command}`);
  print(
    `platform: node ${platform.node}, ${platform.os}, ${platform.cpuModel}, ${platform.cores} cores, ${fmt(platform.totalMemoryGb, 1)} GB RAM, ` +
      `load average at start ${platform.loadAverageAtStart.map((x) => fmt(x)).join(' ')}`,
  );
  print(
    `workload: fast-rows fixture child (node ${path.relative(packageRoot, childScript)}), ~150-byte Lean-Unicode rows, ` +
      `${config.rows.toLocaleString('en-US')} rows per throughput run, median of ${config.runs} runs after a ${config.warmupRows.toLocaleString('en-US')}-row warm-up; ` +
      `slow consumer over ${config.slowRows.toLocaleString('en-US')} rows; ${config.roundTrips} echo round trips after ${config.warmupTrips} warm-up` +
      (quick ? ' (--quick)' : ''),
  );
  print();

  // (1) baseline --------------------------------------------------------------------------
  const bare = await BareChild.start();
  {
    const warm = await bare.stream(config.warmupRows);
    bytesPerRow = warm.bytes / warm.rows;
  }
  const baselineRuns: RunMeasure[] = [];
  for (let r = 0; r < config.runs; r++) {
    const before = probe();
    const got = await bare.stream(config.rows);
    const after = probe();
    if (got.rows !== config.rows) throw new Error(`baseline: expected ${config.rows} rows, got ${got.rows}`);
    baselineRuns.push(measure(before, after, got.rows, got.bytes));
  }
  const baseline = summarise(baselineRuns);

  // (5a) bare round trips, on the same warm child --------------------------------------------
  for (let i = 0; i < config.warmupTrips; i++) await bare.echo(i);
  const bareTrips: number[] = [];
  for (let i = 0; i < config.roundTrips; i++) {
    const t0 = performance.now();
    await bare.echo(i);
    bareTrips.push(performance.now() - t0);
  }
  await bare.stop();

  // Pool ----------------------------------------------------------------------------------
  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  const consumer = new Worker(new URL(import.meta.url), { workerData: { role: 'row-consumer' } });
  consumerTid = ((await once(consumer, 'message')) as [{ tid: number }])[0].tid;
  try {
    const lease = await pool.acquireLease(source);

    // (2) consumer on main
    await poolMainRun(lease, config.warmupRows);
    const mainRuns: RunMeasure[] = [];
    for (let r = 0; r < config.runs; r++) mainRuns.push(await poolMainRun(lease, config.rows));
    const poolMain = summarise(mainRuns);

    // (3) consumer in a worker thread
    await poolWorkerRun(lease, consumer, config.warmupRows);
    const workerRuns: RunMeasure[] = [];
    for (let r = 0; r < config.runs; r++) workerRuns.push(await poolWorkerRun(lease, consumer, config.rows));
    const poolWorker = summarise(workerRuns);

    // (4) slow consumer
    const slow = await slowConsumer(lease, config.slowRows);
    lease.release();

    // (5b) warm acquire + echo + release
    const trip = async (i: number) => {
      const l = await pool.acquireLease(source);
      try {
        const reply = await l.runJsonCommand(echoCommand, { x: i });
        if (reply.echo.x !== i) throw new Error('echo mismatch');
      } finally {
        l.release();
      }
    };
    for (let i = 0; i < config.warmupTrips; i++) await trip(i);
    const poolTrips: number[] = [];
    for (let i = 0; i < config.roundTrips; i++) {
      const t0 = performance.now();
      await trip(i);
      poolTrips.push(performance.now() - t0);
    }

    const bareLatency = latencyStats(bareTrips);
    const poolLatency = latencyStats(poolTrips);

    // Verdicts ------------------------------------------------------------------------------
    const mainRatio = poolMain.rowsPerSec / baseline.rowsPerSec;
    const workerRatio = poolWorker.rowsPerSec / baseline.rowsPerSec;
    const mainPlusSupervisor = poolMain.mainUsPerRow + poolMain.supervisorApproxUsPerRow;
    const workerCaseMainPlusSupervisor = poolWorker.mainUsPerRow + poolWorker.supervisorApproxUsPerRow;
    const tripRatioMedian = poolLatency.medianMs / bareLatency.medianMs;
    const tripRatioP99 = poolLatency.p99Ms / bareLatency.p99Ms;
    const checks = {
      mainConsumerRatio: {
        value: mainRatio,
        target: `>= ${TARGETS.mainConsumerRatio}`,
        met: mainRatio >= TARGETS.mainConsumerRatio,
      },
      workerConsumerRatio: {
        value: workerRatio,
        target: `>= ${TARGETS.workerConsumerRatio}`,
        met: workerRatio >= TARGETS.workerConsumerRatio,
      },
      mainPlusSupervisorUsPerRow: {
        value: mainPlusSupervisor,
        target: `<= ${TARGETS.mainPlusSupervisorUsPerRow}`,
        met: mainPlusSupervisor <= TARGETS.mainPlusSupervisorUsPerRow,
      },
      mainUsPerRow: {
        value: poolMain.mainUsPerRow,
        target: `<= ${TARGETS.mainUsPerRow}`,
        met: poolMain.mainUsPerRow <= TARGETS.mainUsPerRow,
      },
      slowConsumerRssGrowthMb: {
        value: slow.growthPeakMb,
        target: `<= ${TARGETS.slowConsumerRssGrowthMb}`,
        met: slow.growthPeakMb <= TARGETS.slowConsumerRssGrowthMb,
      },
      roundTripRatioMedian: {
        value: tripRatioMedian,
        target: `<= ${TARGETS.roundTripRatio}`,
        met: tripRatioMedian <= TARGETS.roundTripRatio,
      },
      roundTripMedianMs: {
        value: poolLatency.medianMs,
        target: `< ${TARGETS.roundTripAbsoluteMs}`,
        met: poolLatency.medianMs < TARGETS.roundTripAbsoluteMs,
      },
      roundTripP99Ms: {
        value: poolLatency.p99Ms,
        target: `< ${TARGETS.roundTripAbsoluteMs}`,
        met: poolLatency.p99Ms < TARGETS.roundTripAbsoluteMs,
      },
    };

    // Report --------------------------------------------------------------------------------
    const row = (name: string, s: CaseSummary) =>
      print(
        `  ${name.padEnd(28)} ${fmtRate(s.rowsPerSec).padStart(9)} rows/s ${fmt(s.mbPerSec, 1).padStart(6)} MB/s  ` +
          `main ${fmt(s.mainUsPerRow)} us/row  supervisor~ ${fmt(s.supervisorApproxUsPerRow)} us/row` +
          (s.consumerUsPerRow === null ? '' : `  consumer ${fmt(s.consumerUsPerRow)} us/row`) +
          `  process ${fmt(s.processUsPerRow)} us/row  [runs: ${s.allRowsPerSec.map(fmtRate).join(', ')}]`,
      );
    print(
      `throughput (${config.rows.toLocaleString('en-US')} rows per run, ${fmt(bytesPerRow, 1)} wire bytes/row):`,
    );
    row('(1) baseline, no pool', baseline);
    row('(2) pool, consumer on main', poolMain);
    row('(3) pool, consumer in worker', poolWorker);
    const cpuLine = (name: string, c: CaseSummary) =>
      c.cpuMainUsPerRow === null
        ? `${name} unavailable`
        : `${name} main ${fmt(c.cpuMainUsPerRow)}, supervisor ${fmt(c.cpuSupervisorUsPerRow ?? 0)}` +
          (c.cpuConsumerUsPerRow === null ? '' : `, consumer ${fmt(c.cpuConsumerUsPerRow)}`) +
          `, other threads ${fmt(c.cpuRestUsPerRow ?? 0)}`;
    print(
      '  on-CPU time per thread from /proc/self/task/*/schedstat (us/row; "supervisor" = busiest non-main, non-consumer thread):',
    );
    print(`    ${cpuLine('(1)', baseline)}`);
    print(`    ${cpuLine('(2)', poolMain)}`);
    print(`    ${cpuLine('(3)', poolWorker)}`);
    print();
    print('slow consumer:');
    print(
      `  ${slow.rows.toLocaleString('en-US')} rows in ${fmt(slow.seconds, 1)} s (${fmtRate(slow.rowsPerSec)} rows/s), ${slow.consumer}; ` +
        `backpressure waits ${slow.backpressureWaits}`,
    );
    print(
      `  parent RSS before ${fmt(slow.rssBeforeMb, 1)} MB, after ${fmt(slow.rssAfterMb, 1)} MB, peak ${fmt(slow.rssPeakMb, 1)} MB ` +
        `(sampled every 100 ms, ${slow.samples} samples): growth ${fmt(slow.growthAfterMb, 1)} MB after, ${fmt(slow.growthPeakMb, 1)} MB at peak`,
    );
    print();
    print('round trip (json_command echo):');
    print(
      `  bare child (codec, no pool)       median ${fmt(bareLatency.medianMs, 3)} ms  p99 ${fmt(bareLatency.p99Ms, 3)} ms  mean ${fmt(bareLatency.meanMs, 3)} ms`,
    );
    print(
      `  pool acquire + command + release  median ${fmt(poolLatency.medianMs, 3)} ms  p99 ${fmt(poolLatency.p99Ms, 3)} ms  mean ${fmt(poolLatency.meanMs, 3)} ms`,
    );
    print(`  ratio pool/bare: median ${fmt(tripRatioMedian)}x, p99 ${fmt(tripRatioP99)}x`);
    print();
    print('targets:');
    print(
      `  (2)/(1) rows/s                       ${fmt(mainRatio)}x  target >= 0.75x  ${verdict(checks.mainConsumerRatio.met)}`,
    );
    print(
      `  (3)/(1) rows/s                       ${fmt(workerRatio)}x  target >= 0.9x   ${verdict(checks.workerConsumerRatio.met)}`,
    );
    print(
      `  (2) main + supervisor CPU            ${fmt(mainPlusSupervisor)} us/row  target <= 2 us    ${verdict(checks.mainPlusSupervisorUsPerRow.met)}`,
    );
    print(
      `  (2) main-thread CPU                  ${fmt(poolMain.mainUsPerRow)} us/row  target <= 0.7 us  ${verdict(checks.mainUsPerRow.met)}`,
    );
    print(
      `  (3) main-thread CPU                  ${fmt(poolWorker.mainUsPerRow)} us/row  target ~0 (main + supervisor ${fmt(workerCaseMainPlusSupervisor)} us/row)`,
    );
    print(
      `  slow consumer parent RSS growth      ${fmt(slow.growthPeakMb, 1)} MB (peak)  target <= 32 MB  ${verdict(checks.slowConsumerRssGrowthMb.met)}`,
    );
    print(
      `  round trip pool/bare (median)        ${fmt(tripRatioMedian)}x  target <= 1.5x  ${verdict(checks.roundTripRatioMedian.met)}`,
    );
    print(
      `  round trip absolute                  median ${fmt(poolLatency.medianMs, 3)} ms ${verdict(checks.roundTripMedianMs.met)}, ` +
        `p99 ${fmt(poolLatency.p99Ms, 3)} ms ${verdict(checks.roundTripP99Ms.met)}  target < 1 ms`,
    );
    const cpuMainPlusSup =
      (poolMain.cpuMainUsPerRow ?? Number.NaN) + (poolMain.cpuSupervisorUsPerRow ?? Number.NaN);
    print(
      `  cross-check from schedstat: (2) main + supervisor ${fmt(cpuMainPlusSup)} us/row ${verdict(cpuMainPlusSup <= 2)}, ` +
        `main ${fmt(poolMain.cpuMainUsPerRow ?? Number.NaN)} us/row ${verdict((poolMain.cpuMainUsPerRow ?? Number.NaN) <= 0.7)}; ` +
        `(3) main ${fmt(poolWorker.cpuMainUsPerRow ?? Number.NaN)} us/row`,
    );
    print(
      `  load average at end: ${os
        .loadavg()
        .map((x) => fmt(x))
        .join(' ')}`,
    );
    print();
    const caveats = [
      'Supervisor CPU is not measured directly: it is process.cpuUsage() (all threads of this process, the child excluded) minus the main thread ELU active time (minus the consumer worker ELU active time in case 3). It therefore also counts V8 GC helper threads, libuv threads and thread start-up, so it overstates the supervisor slightly. The per-thread schedstat line (on-CPU nanoseconds per thread) is the direct cross-check.',
      'ELU active time is wall time the event loop spent outside its idle/poll phase. When other processes load the 2 cores (see the load average), it also counts time the thread was runnable but descheduled, so it can exceed real CPU; the schedstat figures are on-CPU time and are the better CPU measure then. Throughput ratios are only meaningful when the load average is low.',
      'The child process competes for the same 2 cores; its CPU is not counted in any per-row figure.',
      'Baseline decodes each frame with decodeChildMessage (JSON.parse + a hand check of the row envelope) and does not validate the row payload; the pool cases validate rows against the command schema in the supervisor thread.',
      'MB/s for the pool cases uses the wire bytes per row measured on the baseline (the same fixture and request).',
      'RSS growth is measured without a forced GC (no --expose-gc); it includes V8 heap growth from materialised rows, which the GC may reclaim later.',
      'The round-trip baseline reuses one warm child; the pool round trip includes acquireLease (warm, same key), runJsonCommand with zod request/response checks and release.',
      quick ? '--quick: fewer rows and round trips; numbers are noisier than a full run.' : '',
    ].filter(Boolean);
    print('caveats:');
    for (const c of caveats) print(`  - ${c}`);

    const result = {
      benchmark: 'throughput',
      mode: quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      command,
      platform,
      workload: {
        child: path.relative(packageRoot, childScript),
        rowsPerRun: config.rows,
        runs: config.runs,
        warmupRows: config.warmupRows,
        wireBytesPerRow: bytesPerRow,
        slowRows: config.slowRows,
        slowEveryRows: SLOW_EVERY_ROWS,
        roundTrips: config.roundTrips,
        warmupTrips: config.warmupTrips,
      },
      throughput: { baseline, poolMain, poolWorker },
      slowConsumer: { ...slow, memoryMeasure: 'process.memoryUsage().rss of the parent' },
      roundTrip: {
        bare: bareLatency,
        pool: poolLatency,
        ratioMedian: tripRatioMedian,
        ratioP99: tripRatioP99,
      },
      checks,
      schedstatChecks: {
        mainPlusSupervisorUsPerRow: { value: cpuMainPlusSup, target: '<= 2', met: cpuMainPlusSup <= 2 },
        mainUsPerRow: {
          value: poolMain.cpuMainUsPerRow,
          target: '<= 0.7',
          met: (poolMain.cpuMainUsPerRow ?? Number.NaN) <= 0.7,
        },
      },
      loadAverageAtEnd: os.loadavg(),
      caveats,
    };
    const outDir = path.join(packageRoot, 'bench', 'results');
    await mkdir(outDir, { recursive: true });
    const outFile = path.join(outDir, 'throughput.json');
    await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);
    print();
    print(`result: ${path.relative(packageRoot, outFile)}`);
  } finally {
    await consumer.terminate();
    await pool.close();
  }
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
