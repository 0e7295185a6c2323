/**
 * The real replay's shape on stub workers: several callers replay a trace at once through the
 * admission code, each stub open waits a fixed time (a timer, no CPU), each lease is held one
 * timer tick, and a memory budget leaves room for `slots` workers. It isolates scheduling from
 * process start-up noise: imports, p99 queue wait and elapsed time per policy.
 */
import { Admission } from '../../src/pool/admission.js';
import { parsePoolOptions } from '../../src/pool/options.js';
import type { StartFn } from '../../src/pool/worker-opens.js';
import { percentile } from './stats.js';
import { stubSources, stubStart } from './stub-workers.js';
import { inVirtualTime } from './virtual-time.js';

export interface ConcurrentShape {
  readonly callers: number;
  readonly maxWorkers: number;
  readonly slots: number;
  readonly openMs: number;
}

const WORKER_KIB = 40 * 1024;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replay `trace` with `shape.callers` callers under pool `options`; hint the whole trace when
 * asked. `virtual` runs it on a virtual clock: the same order of events on every run, whatever
 * the machine's load, with waits in virtual milliseconds.
 */
export function replayOnStubs(
  trace: readonly number[],
  shape: ConcurrentShape,
  options: Record<string, unknown>,
  hint: boolean,
  virtual = false,
) {
  const run = () => replay(trace, shape, options, hint);
  return virtual ? inVirtualTime(run) : run();
}

async function replay(
  trace: readonly number[],
  shape: ConcurrentShape,
  options: Record<string, unknown>,
  hint: boolean,
) {
  const stub = stubStart(WORKER_KIB, shape.openMs);
  const start: StartFn = async (config, resolved) => {
    await sleep(shape.openMs);
    return stub.start(config, resolved);
  };
  const admission = new Admission(
    parsePoolOptions({
      systemMemoryReserveKib: false,
      maxWorkers: shape.maxWorkers,
      maxTotalChildMemoryKib: Math.round((shape.slots + 0.5) * WORKER_KIB),
      ...options,
    }),
    start,
  );
  const sourceOf = stubSources();
  if (hint) admission.hint(trace.map((k) => `k${k}`));
  const waits: number[] = [];
  let next = 0;
  const began = performance.now();
  try {
    await Promise.all(
      Array.from({ length: shape.callers }, async () => {
        while (next < trace.length) {
          const key = trace[next++] as number;
          const t = performance.now();
          const worker = await admission.acquire(sourceOf(key), { timeoutMs: 600_000 });
          waits.push(performance.now() - t);
          const lease = admission.grant(worker, 10_000);
          await sleep(1);
          lease.release();
        }
      }),
    );
    return {
      imports: stub.starts(),
      p99WaitMs: percentile(waits, 99),
      seconds: (performance.now() - began) / 1000,
    };
  } finally {
    await admission.close(0, 'kill');
  }
}
