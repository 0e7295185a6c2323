/**
 * Soak: many streaming requests over random session keys through one pool, with a share of
 * injected faults (crash, clean exit, abort signal in the child, hang past the deadline, malformed
 * envelope, caller abort, consumer that stops early). Checks: zero lost rows on successful
 * requests, exactly one terminal outcome per request, counters that add up, zero orphans after
 * close, and the parent's memory slope after warm-up.
 *
 *   npm run soak                      # 10,000 requests, 5% faults
 *   node dist/bench/soak.js --requests=500 --fault-rate=0.05
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../fixtures/seeded-random.js';
import { LeanWorkerCapabilityBuilder } from '../src/capability/builder.js';
import { ErrorCode, LeanWorkerError } from '../src/errors.js';
import { LeanWorkerPool, type LeanWorkerSource } from '../src/pool/pool.js';
import { fixturePath } from '../src/worker/paths.js';
import { standInCapability } from './lib/fixtures.js';
import { platform } from './lib/platform.js';

export interface SoakOptions {
  readonly requests: number;
  readonly faultRate: number;
  readonly keys: number;
  /** Pool size; more than the keys, so a key whose worker is busy gets a second one. */
  readonly maxWorkers: number;
  readonly concurrency: number;
  readonly seed: number;
  /** Inject only this fault (by name); all of them when absent. */
  readonly only?: string | undefined;
}

export interface SoakReport {
  readonly options: SoakOptions;
  readonly elapsedMs: number;
  readonly outcomes: Record<string, number>;
  /** Mean wall time of a request by outcome, ms. */
  readonly meanMsByOutcome: Record<string, number>;
  /** Requests whose outcome did not match what was injected (must be 0). */
  readonly mismatches: string[];
  readonly successes: number;
  readonly rowsOnSuccess: number;
  readonly lostRows: number;
  readonly terminalOutcomes: number;
  readonly poolStreamRequests: number;
  readonly poolStreamOutcomes: number;
  readonly workerRestarts: number;
  /** Cold opens (new workers) and evictions over the run. */
  readonly coldOpens: number;
  readonly evictions: number;
  readonly orphans: number;
  /** Parent RSS / main-thread heap slope after warm-up, KB per 1,000 requests. */
  readonly rssSlopeKbPer1000: number;
  readonly heapSlopeKbPer1000: number;
  readonly rssKbFirst: number;
  readonly rssKbLast: number;
}

const MARK = 'LEAN_WORKER_TEST_MARK';

/** The injected faults: the export and parameters that cause each, and the codes it may end in. */
const FAULTS = [
  { name: 'crash', export: 'crash_after', params: { rows: 3, code: 3 }, codes: [ErrorCode.CHILD_CRASH] },
  { name: 'exit', export: 'crash_after', params: { rows: 3, code: 0 }, codes: [ErrorCode.CHILD_EXIT] },
  { name: 'abort', export: 'abort_after', params: { rows: 3 }, codes: [ErrorCode.CHILD_CRASH] },
  { name: 'hang', export: 'hang_after_rows', params: { rows: 3 }, codes: [ErrorCode.TIMEOUT] },
  { name: 'malformed', export: 'malformed', params: { rows: 3 }, codes: [ErrorCode.STREAM_ROW_MALFORMED] },
  { name: 'cancel', export: 'slow', params: { rows: 1000, msPerRow: 2 }, codes: [ErrorCode.ABORTED] },
  { name: 'consumer-stop', export: 'rows', params: { count: 5000 }, codes: [ErrorCode.ABORTED] },
] as const;

/**
 * The strict test child under a stand-in capability: the builder writes the manifest declaring the
 * exports the soak calls, and every worker opens its session with it, as with the real child.
 */
function source(key: string, mark: string): LeanWorkerSource {
  return new LeanWorkerCapabilityBuilder({
    ...standInCapability({
      rows: 'stream',
      slow: 'stream',
      malformed: 'stream',
      crash_after: 'stream',
      abort_after: 'stream',
      hang_after_rows: 'stream',
    }),
    imports: [key],
    worker: { command: process.execPath, args: [fixturePath('children/test-child')], env: { [MARK]: mark } },
    startupTimeoutMs: 20_000,
    requestTimeoutMs: 20_000,
    shutdownTimeoutMs: 1_000,
    killWaitTimeoutMs: 5_000,
    stderrTailBytes: 4_096,
    memorySampleIntervalMs: 1_000,
  });
}

/** Live processes carrying `mark` in their environment. */
function marked(mark: string): number[] {
  const needle = `${MARK}=${mark}\0`;
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'latin1');
        const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
        return state !== 'Z' && readFileSync(`/proc/${n}/environ`, 'latin1').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** Run one request; returns its outcome label, or a mismatch description. */
async function one(
  pool: LeanWorkerPool,
  src: LeanWorkerSource,
  fault: (typeof FAULTS)[number] | null,
  count: number,
): Promise<{ label: string; rows: number; lost: number; mismatch: string | null; terminals: number }> {
  let lease: Awaited<ReturnType<LeanWorkerPool['acquireLease']>>;
  try {
    lease = await pool.acquireLease(src);
  } catch (error) {
    const label = `acquire:${error instanceof LeanWorkerError ? error.code : String(error)}`;
    return {
      label,
      rows: 0,
      lost: 0,
      mismatch: `${fault?.name ?? 'rows'} could not acquire (${label})`,
      terminals: 1,
    };
  }
  try {
    const controller = new AbortController();
    const exportName = fault?.export ?? 'rows';
    const params = fault?.params ?? { count };
    const timeoutMs = fault?.name === 'hang' ? 300 : 20_000;
    const stream = lease.runDataStream(exportName, params, { signal: controller.signal, timeoutMs });
    let terminals = 0;
    const summary = stream.summary.then(
      (s) => {
        terminals += 1;
        return s;
      },
      (e: unknown) => {
        terminals += 1;
        throw e;
      },
    );
    summary.catch(() => undefined);
    let rows = 0;
    let lost = 0;
    let iterError: unknown = null;
    try {
      for await (const row of stream) {
        if (row.sequence !== rows || (row.payload as { i?: number }).i !== rows) lost += 1;
        rows += 1;
        if (fault?.name === 'cancel' && rows === 3) controller.abort();
        if (fault?.name === 'consumer-stop' && rows === 2) break;
      }
    } catch (error) {
      iterError = error;
    }
    let label: string;
    try {
      const s = await summary;
      label = 'ok';
      if (!fault && s.totalRows !== count) lost += Math.abs(count - s.totalRows);
      if (!fault && rows !== count) lost += Math.abs(count - rows);
      if (iterError) return { label: 'ok', rows, lost, mismatch: 'iterator failed on success', terminals };
    } catch (error) {
      label = error instanceof LeanWorkerError ? error.code : `untyped:${String(error)}`;
    }
    const expected: readonly string[] = fault ? fault.codes : ['ok'];
    const mismatch = expected.includes(label) ? null : `${fault?.name ?? 'rows'} ended ${label}`;
    return { label, rows, lost, mismatch, terminals };
  } finally {
    lease.release();
  }
}

export async function runSoak(
  options: SoakOptions,
  log: (line: string) => void = () => {},
): Promise<SoakReport> {
  const mark = randomUUID();
  const random = seededRandom(options.seed);
  const faults = FAULTS.filter((f) => options.only === undefined || f.name === options.only);
  const pool = new LeanWorkerPool({
    maxWorkers: options.maxWorkers,
    queueWaitTimeoutMs: 60_000,
    policy: {
      maxRestarts: 100_000,
      restartWindowMs: 60_000,
      restartBackoffBaseMs: 0,
      restartBackoffMaxMs: 0,
    },
  });
  const sources = Array.from({ length: options.keys }, (_, i) => source(`Soak.Key${i}`, mark));
  const outcomes: Record<string, number> = {};
  const totalMs: Record<string, number> = {};
  const mismatches: string[] = [];
  const samples: [number, number, number][] = [];
  let next = 0;
  let done = 0;
  let successes = 0;
  let rowsOnSuccess = 0;
  let lostRows = 0;
  let terminalOutcomes = 0;
  const began = performance.now();
  const warmUp = Math.floor(options.requests * 0.2);
  const sampleEvery = Math.max(10, Math.floor(options.requests / 100));
  const loop = async () => {
    while (next < options.requests) {
      next += 1;
      const src = sources[Math.floor(random() * sources.length)] as LeanWorkerSource;
      const fault = random() < options.faultRate ? faults[Math.floor(random() * faults.length)]! : null;
      const count = 1 + Math.floor(random() * 100);
      const t0 = performance.now();
      const r = await one(pool, src, fault, count);
      outcomes[r.label] = (outcomes[r.label] ?? 0) + 1;
      totalMs[r.label] = (totalMs[r.label] ?? 0) + performance.now() - t0;
      terminalOutcomes += r.terminals;
      if (r.mismatch) mismatches.push(r.mismatch);
      if (!fault && r.label === 'ok') {
        successes += 1;
        rowsOnSuccess += r.rows;
        lostRows += r.lost;
      }
      done += 1;
      if (done % sampleEvery === 0) {
        // Under `node --expose-gc` the heap is collected first, so the slope shows retained memory.
        (globalThis as { gc?: () => void }).gc?.();
        const m = process.memoryUsage();
        samples.push([done, m.rss / 1024, m.heapUsed / 1024]);
        if (done % (sampleEvery * 10) === 0) log(`  ${done} requests, rss ${Math.round(m.rss / 1024)} KB`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const elapsedMs = performance.now() - began;
  const snapshot = pool.snapshot();
  await pool.close({ timeoutMs: 5_000 });
  const deadline = performance.now() + 5_000;
  while (marked(mark).length > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const steady = samples.filter(([n]) => n > warmUp);
  return {
    options,
    elapsedMs,
    outcomes,
    meanMsByOutcome: Object.fromEntries(
      Object.entries(totalMs).map(([k, ms]) => [k, Math.round(ms / (outcomes[k] ?? 1))]),
    ),
    mismatches,
    successes,
    rowsOnSuccess,
    lostRows,
    terminalOutcomes,
    poolStreamRequests: snapshot.streamRequests,
    poolStreamOutcomes: snapshot.streamSuccesses + snapshot.streamFailures,
    workerRestarts: snapshot.workerRestarts,
    coldOpens: snapshot.coldOpenAdmitted,
    evictions: snapshot.evictions,
    orphans: marked(mark).length,
    rssSlopeKbPer1000: slope(steady.map(([n, rss]) => [n, rss])) * 1000,
    heapSlopeKbPer1000: slope(steady.map(([n, , heap]) => [n, heap])) * 1000,
    rssKbFirst: Math.round(steady[0]?.[1] ?? 0),
    rssKbLast: Math.round(steady.at(-1)?.[1] ?? 0),
  };
}

function flag(name: string, fallback: number): number {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.slice(name.length + 3)) : fallback;
}

async function main(): Promise<void> {
  const options: SoakOptions = {
    requests: flag('requests', 10_000),
    faultRate: flag('fault-rate', 0.05),
    keys: flag('keys', 4),
    maxWorkers: flag('max-workers', 8),
    concurrency: flag('concurrency', 4),
    seed: flag('seed', 7),
    only: process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length),
  };
  const where = platform();
  console.log(
    `soak: ${options.requests} requests, ${options.faultRate * 100}% faults, ${options.keys} keys, ` +
      `${options.maxWorkers} workers, ${options.concurrency} concurrent`,
  );
  const gcFlag = typeof (globalThis as { gc?: unknown }).gc === 'function' ? '--expose-gc ' : '';
  console.log(`command: node ${gcFlag}dist/bench/soak.js ${process.argv.slice(2).join(' ')}`.trim());
  console.log(
    gcFlag
      ? 'memory: main heap and RSS sampled after a forced GC'
      : 'memory: sampled without a forced GC (run with node --expose-gc for retained memory)',
  );
  console.log(`platform: ${where.cpuModel}, nproc ${where.nproc}, Node ${where.node}, ${where.uptime}`);
  const report = await runSoak(options, console.log);
  console.log(JSON.stringify(report, null, 2));
  console.log(
    `result: ${report.successes} successful requests, ${report.rowsOnSuccess} rows, ${report.lostRows} lost; ` +
      `${report.terminalOutcomes} terminal outcomes for ${options.requests} requests; ` +
      `${report.orphans} orphans; RSS slope ${report.rssSlopeKbPer1000.toFixed(1)} KB / 1,000 requests ` +
      `(main heap ${report.heapSlopeKbPer1000.toFixed(1)}); ${(report.elapsedMs / 1000).toFixed(1)} s; ` +
      `load after: ${platform().uptime}`,
  );
  writeFileSync(
    new URL('../../bench/results/soak.json', import.meta.url),
    `${JSON.stringify({ platform: where, report }, null, 2)}\n`,
  );
  const ok =
    report.lostRows === 0 &&
    report.mismatches.length === 0 &&
    report.terminalOutcomes === options.requests &&
    report.orphans === 0;
  process.exitCode = ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
