/**
 * What a supervisor thread costs the parent process: its RSS before and after starting N
 * supervisor threads, each owning one tiny child (the fast-rows fixture, lenient) and having
 * answered one request, per thread, at 4, 16 and 48 workers; beside the floor measured the same
 * way, a bare `new Worker` that spawns one child and does nothing else. Each measurement runs in
 * a fresh Node process with `--expose-gc`, so memory freed by one cannot be reused by the next;
 * RSS is read once the heap is collected and settled.
 *
 *   node dist/bench/thread-rss.js [--quick | --smoke] [--out DIR]
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { SupervisorRequest, ValidationSchemas } from '../src/protocol/port-messages.js';
import { toThreadSchema } from '../src/thread-schema.js';
import { type SupervisorConfig, SupervisorHandle } from '../src/worker/supervisor-handle.js';
import { supervisorResourceLimits } from '../src/worker/thread-entry.js';
import { FAST_ROWS_CHILD, relativeToRoot } from './lib/fixtures.js';
import { BenchReport, benchArgs, type Check, check, runMain, step } from './lib/report.js';
import { fmt, median } from './lib/stats.js';

const CASES = {
  supervisor: 'supervisor thread, one untyped echo answered',
  typed: 'supervisor thread, one echo checked against a response schema (in the thread, without zod)',
  floor: 'floor: bare new Worker that spawns one child, nothing else',
} as const;
type CaseName = keyof typeof CASES;

/** What one measuring process prints as its last line. */
interface Measure {
  readonly threads: number;
  readonly rssBeforeKib: number;
  readonly rssAfterKib: number;
  readonly heapUsedDeltaKib: number;
}

const TARGET_MIB_PER_THREAD = 12;
/** Threads started at once. */
const START_BATCH = 4;

const CONFIG: SupervisorConfig = {
  launch: {
    command: process.execPath,
    args: [FAST_ROWS_CHILD, '--lenient'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    startupTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
    requestIdleTimeoutMs: 0,
    shutdownTimeoutMs: 2_000,
    killWaitTimeoutMs: 5_000,
    maxFrameBytes: 1 << 20,
    stderrTailBytes: 4096,
    hardMemoryLimitKib: 0,
    memorySampleIntervalMs: 0,
  },
  restart: { maxRestarts: 4, windowMs: 60_000, backoffBaseMs: 0, backoffMaxMs: 0 },
  relay: { initialCredit: 8, maxBatchItems: 256, maxBatchBytes: 64 * 1024 },
};

const ECHO_SCHEMAS: ValidationSchemas = {
  response: toThreadSchema(z.object({ echo: z.object({ x: z.number() }) })),
};

let nextId = 1;

async function echo(handle: SupervisorHandle, typed: boolean): Promise<void> {
  const spec: SupervisorRequest = {
    id: nextId++,
    generation: handle.generation,
    request: { op: 'json_command', export: 'echo', request_json: '{"x":1}' },
    timeoutMs: 0,
    idleTimeoutMs: 0,
    ...(typed ? { schemas: ECHO_SCHEMAS } : {}),
  };
  const outcome = await handle.request(spec, null);
  if (!outcome.ok) throw new Error(`echo failed: ${outcome.error.code} ${outcome.error.message}`);
}

/** The floor's thread: spawn the child, report, kill it when told. */
const FLOOR_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, [workerData.script, '--lenient'], { stdio: ['pipe', 'pipe', 'pipe'] });
child.stdout.on('data', () => {});
child.stderr.on('data', () => {});
child.once('spawn', () => parentPort.postMessage(child.pid));
parentPort.on('message', () => { child.once('exit', () => process.exit(0)); child.kill('SIGKILL'); });
`;

interface Started {
  stop(): Promise<void>;
}

async function startFloor(pids: Set<number>): Promise<Started> {
  const worker = new Worker(FLOOR_THREAD, { eval: true, workerData: { script: FAST_ROWS_CHILD } });
  const pid = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  pids.add(pid);
  return {
    stop: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await exited;
    },
  };
}

async function startSupervisor(typed: boolean, pids: Set<number>): Promise<Started> {
  const handle = await SupervisorHandle.start(CONFIG);
  if (handle.info) pids.add(handle.info.pid);
  await echo(handle, typed);
  return { stop: async () => void (await handle.shutdown('kill')) };
}

async function settledRss(): Promise<NodeJS.MemoryUsage> {
  for (let i = 0; i < 4; i++) {
    globalThis.gc?.();
    await sleep(250);
  }
  return process.memoryUsage();
}

/** One measurement, in this (fresh) process: prints a {@link Measure} as the last line. */
async function measure(name: CaseName, threads: number): Promise<void> {
  const pids = new Set<number>();
  // Last resort: no child outlives this process, whatever failed.
  process.on('exit', () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const start = () => (name === 'floor' ? startFloor(pids) : startSupervisor(name === 'typed', pids));
  // One started and stopped first: the main thread's own modules and code are then loaded.
  await (await start()).stop();
  const before = await settledRss();
  const started: Started[] = [];
  // A few at a time: the children's start-up dominates the wall time.
  while (started.length < threads) {
    const batch = Math.min(START_BATCH, threads - started.length);
    started.push(...(await Promise.all(Array.from({ length: batch }, start))));
  }
  await sleep(500);
  const after = await settledRss();
  await Promise.all(started.map((s) => s.stop()));
  const result: Measure = {
    threads,
    rssBeforeKib: Math.round(before.rss / 1024),
    rssAfterKib: Math.round(after.rss / 1024),
    heapUsedDeltaKib: Math.round((after.heapUsed - before.heapUsed) / 1024),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function runMeasure(name: CaseName, threads: number): Promise<Measure> {
  const args = ['--expose-gc', import.meta.filename, '--measure', name, String(threads)];
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(process.execPath, args, { encoding: 'utf8', timeout: 180_000 }));
  } catch (error) {
    throw new Error(`measuring ${name} x${threads} failed`, { cause: error });
  }
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (!last.startsWith('{')) throw new Error(`measuring ${name} x${threads} printed no result`);
  return JSON.parse(last) as Measure;
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('thread-rss', import.meta.filename, args);
  const counts = args.smoke ? [2, 4] : [4, 16, 48];
  const repeats = args.quick ? 1 : 3;
  const limits = supervisorResourceLimits(CONFIG.launch.maxFrameBytes);
  report.header(
    'parent RSS per supervisor thread',
    `${counts.join(', ')} threads, each owning one child (node ${relativeToRoot(FAST_ROWS_CHILD)} --lenient); ` +
      `${repeats} fresh process(es) per case and count, median taken; supervisor resourceLimits ${JSON.stringify(limits)}`,
  );
  const rows: string[][] = [['case', ...counts.map((n) => `${n} threads MiB/thread`)]];
  const results: Record<string, Record<string, unknown>> = {};
  const checks: Record<string, Check> = {};
  // --quick leaves the typed case out (it is the untyped case plus the thread's schema check).
  const cases = (Object.keys(CASES) as CaseName[]).filter(
    (c) => !(args.quick && !args.smoke && c === 'typed'),
  );
  for (const name of cases) {
    const perCount: Record<string, unknown> = {};
    const cells: string[] = [];
    for (const threads of counts) {
      step(`${name} x${threads}`);
      const runs: Measure[] = [];
      for (let r = 0; r < repeats; r++) runs.push(await runMeasure(name, threads));
      const perThread = runs.map((m) => (m.rssAfterKib - m.rssBeforeKib) / 1024 / threads);
      const value = median(perThread);
      perCount[threads] = { mibPerThread: value, runs };
      cells.push(fmt(value, 1));
      if (name !== 'floor') {
        checks[`${name} MiB/thread at ${threads}`] = check(value, '<=', TARGET_MIB_PER_THREAD);
      }
    }
    results[name] = perCount;
    rows.push([CASES[name], ...cells]);
  }
  report.table(rows);
  report.print();
  await report.finish({
    workload: { counts, repeats, cases, child: relativeToRoot(FAST_ROWS_CHILD), resourceLimits: limits },
    memoryMeasure:
      'parent process RSS (process.memoryUsage().rss) after gc() x4 at 250 ms intervals; the child processes are not in it',
    results,
    checks,
    caveats: [
      'RSS per thread = (RSS with N threads - RSS before them) / N, in a fresh process per case and count; the main thread had already started and stopped one thread, so its own modules are not counted.',
      'Each thread owns an idle child; the threads have answered one small request. A thread that relays heavy rows grows its heap while it does (up to its resourceLimits) and V8 gives pages back lazily.',
      'The typed case checks the response against its schema in the thread, with the zod-free JSON Schema check (src/protocol/json-schema-check.ts); before it, the thread loaded zod for that check.',
      'The floor is what any design with one worker thread per child pays on this Node: an isolate, its event loop and a spawned child with three pipes.',
      'glibc malloc arenas and transparent huge pages make RSS deltas machine-dependent; figures are for this machine only.',
    ],
  });
}

const at = process.argv.indexOf('--measure');
if (at >= 0) {
  const name = process.argv[at + 1] as CaseName;
  const threads = Number(process.argv[at + 2]);
  measure(name, threads).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  runMain(main);
}
