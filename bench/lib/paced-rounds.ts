/**
 * The event-loop-delay benchmark's paced rounds: main idle alone, then one stream read in a
 * worker thread at a fixed row rate (paced by credit, so the cores are not saturated), each
 * window measured on main and, at the same time, by the delay probe (`delay-probe.ts`): the
 * machine's floor in that very window. The rounds run without the longest-stretch tick timer,
 * which the probe does not have either.
 */
import { once } from 'node:events';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { LeanWorkerSessionLease } from '../../src/index.js';
import type { DelayProbe, ProbeFigures } from './delay-probe.js';
import { fastRows } from './fixtures.js';
import { type Delay, measure, PooledDelay } from './loop-delay.js';
import { step } from './report.js';

export interface Round {
  readonly idle: Delay;
  readonly paced: Delay;
  /** The probe's figures over the idle window and over the paced window. */
  readonly probe: { readonly idle: ProbeFigures; readonly paced: ProbeFigures };
}

export interface RoundsPlan {
  readonly lease: LeanWorkerSessionLease;
  /** The paced consumer thread (`paced-consumer-worker.ts`). */
  readonly pacer: Worker;
  readonly probe: DelayProbe;
  readonly rounds: number;
  readonly rows: number;
  readonly rowsPerSecond: number;
  readonly timeoutMs: number;
}

async function paced(plan: RoundsPlan): Promise<number> {
  const stream = plan.lease.runStreamingCommand(
    fastRows,
    { count: plan.rows },
    { timeoutMs: plan.timeoutMs },
  );
  const port: MessagePort = stream.transferPort();
  const done = once(plan.pacer, 'message') as Promise<[{ rows: number }]>;
  plan.pacer.postMessage({ port, rowsPerSecond: plan.rowsPerSecond }, [port]);
  const [answer] = await done;
  await stream.summary;
  return answer.rows;
}

/** Every round, with the windows of each kind also pooled into one histogram. */
export async function pacedRounds(plan: RoundsPlan) {
  const rounds: Round[] = [];
  const pooledIdle = new PooledDelay();
  const pooledPaced = new PooledDelay();
  const idleMs = (plan.rows / plan.rowsPerSecond) * 1000;
  for (let round = 1; round <= plan.rounds; round += 1) {
    step(`round ${round}: idle`);
    const [idle, probeIdle] = await plan.probe.during(() =>
      measure(
        () => new Promise<number>((resolve) => setTimeout(() => resolve(0), idleMs)),
        pooledIdle,
        false,
      ),
    );
    step(`round ${round}: paced`);
    const [pacedCase, probePaced] = await plan.probe.during(() =>
      measure(() => paced(plan), pooledPaced, false),
    );
    rounds.push({ idle, paced: pacedCase, probe: { idle: probeIdle, paced: probePaced } });
  }
  return { rounds, idle: pooledIdle.figures(), paced: pooledPaced.figures() };
}

/**
 * The worst paced p99 of the rounds whose floor allowed `targetMs` (null if no round's did). The
 * floor is `'idle'`, main's own p99 in the idle window just before (the machine with nothing of the
 * pool running), or `'probe'`, the probe's p99 over the paced window itself: the machine in that
 * very window, but also the pool's load wherever the probe shares CPUs with it, so it is a floor
 * only when the probe is kept off the pool's CPUs.
 */
export function worstWhereFloorAllows(
  rounds: readonly Round[],
  targetMs: number,
  floor: 'idle' | 'probe',
): number | null {
  const floorOf = (r: Round) => (floor === 'idle' ? r.idle.p99Ms : r.probe.paced.p99Ms);
  const allowed = rounds.filter((r) => floorOf(r) <= targetMs);
  return allowed.length > 0 ? Math.max(...allowed.map((r) => r.paced.p99Ms)) : null;
}
