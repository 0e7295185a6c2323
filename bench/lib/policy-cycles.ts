/**
 * Policy cycles seen by callers: one caller asks for one key again and again, holding each lease
 * a while, and the pool cycles workers by `maxRequests`. Each cycle is an import; the question is
 * whether a caller waits for it. Three configurations on the same workload: no background help
 * (`replaceInBackground: false`), background replacement alone (the default), and a spare on top.
 *
 * An import in a caller's path is counted two ways. By counters: session opens answered with an
 * import (`imports`), less the background starts (spares and replacements, one import each), less
 * the first cold open, which no configuration avoids. By time: acquires after the first that took
 * at least half a session open (the fixture waits `openDelayMs` on every open), which also
 * catches a caller waiting for part of a background start.
 */
import type { LeanWorkerPool, LeanWorkerPoolOptions } from '../../src/index.js';
import { echo, testChildSource } from './fixtures.js';

export interface CycleCase {
  readonly name: string;
  readonly maxRequests: number;
  readonly options: LeanWorkerPoolOptions;
  /** The case the target (no import in a caller's path) is checked on. */
  readonly checked: boolean;
}

export interface CycleFigures {
  readonly acquires: number;
  readonly imports: number;
  readonly backgroundStarts: number;
  /** Imports in callers' paths beyond the first cold open (counters). */
  readonly callerCycleImports: number;
  /** Acquires after the first that took at least half an open (time). */
  readonly slowAcquires: number;
  readonly maxAcquireMs: number;
  readonly policyRestarts: number;
  readonly backgroundStartsUsed: number;
}

/**
 * Requests per generation (`maxRequests`): at about 110 ms a lease, a generation lasts about 1.8 s,
 * longer than a cold open of the fixture here (spawn and a 200 ms open: 0.3 to 1.5 s, slower the
 * busier the machine). When a generation is shorter than an open, no start in the background can
 * be ready in time; the last case shows that limit.
 */
export const CYCLE_MAX_REQUESTS = 16;
/** A generation shorter than one cold open. */
export const SHORT_MAX_REQUESTS = 4;
/** How long the caller holds each lease after its request. */
export const CYCLE_HOLD_MS = 100;
/** Slots: the worker in use, a spare, and a replacement starting. */
const MAX_WORKERS = 3;

export function cycleCases(): CycleCase[] {
  const policy = (maxRequests: number) => ({ maxRequests, maxRestarts: 10_000 });
  const long = CYCLE_MAX_REQUESTS;
  const short = SHORT_MAX_REQUESTS;
  const cases = (maxRequests: number, replaceInBackground: boolean, spares: number) => ({
    maxWorkers: MAX_WORKERS,
    policy: policy(maxRequests),
    replaceInBackground,
    spares,
  });
  return [
    { name: 'no background help', maxRequests: long, options: cases(long, false, 0), checked: false },
    { name: 'replacement (default)', maxRequests: long, options: cases(long, true, 0), checked: false },
    { name: 'replacement + spares 1', maxRequests: long, options: cases(long, true, 1), checked: true },
    {
      name: 'replacement + spares 1, short',
      maxRequests: short,
      options: cases(short, true, 1),
      checked: false,
    },
  ];
}

/** Run `n` sequential leases of one key on `pool`; the figures above. */
export async function runCycles(
  pool: LeanWorkerPool,
  childArgs: readonly string[],
  openDelayMs: number,
  n: number,
): Promise<CycleFigures> {
  const source = testChildSource(['Bench.PolicyCycle'], childArgs);
  let slowAcquires = 0;
  let maxAcquireMs = 0;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const lease = await pool.acquireLease(source);
    const ms = performance.now() - t;
    if (i > 0) {
      maxAcquireMs = Math.max(maxAcquireMs, ms);
      if (ms >= openDelayMs / 2) slowAcquires += 1;
    }
    try {
      await lease.runJsonCommand(echo, { x: i });
      await new Promise((resolve) => setTimeout(resolve, CYCLE_HOLD_MS));
    } finally {
      lease.release();
    }
  }
  // A background start still under way has been counted but has not imported yet.
  for (let waited = 0; pool.snapshot().startingWorkers > 0 && waited < 30_000; waited += 20)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const s = pool.snapshot();
  const backgroundStarts = s.spareStarts + s.backgroundReplacements;
  return {
    acquires: n,
    imports: s.imports,
    backgroundStarts,
    callerCycleImports: s.imports - backgroundStarts - 1,
    slowAcquires,
    maxAcquireMs,
    policyRestarts: s.policyRestarts,
    backgroundStartsUsed: s.backgroundStartsUsed,
  };
}
