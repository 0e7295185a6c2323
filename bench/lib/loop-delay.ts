/**
 * One measured window of the main thread's event-loop delay (`monitorEventLoopDelay` at 1 ms):
 * p50 / p99 / max, what main itself did meanwhile (`main-thread-cost.ts`), and what the machine
 * did: the time the hypervisor took from this VM's cores (steal) and how busy the cores were, from
 * the aggregate `cpu` line of `/proc/stat` (Linux; null elsewhere).
 */
import { readFileSync } from 'node:fs';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type MainThreadCost, watchMainThread } from './main-thread-cost.js';

/** The machine's CPU time over a window, summed over all cores. */
export interface MachineCpu {
  /** Time the hypervisor ran something else on this VM's cores, ms. */
  readonly stealMs: number;
  /** Non-idle time of all cores (user, nice, system, irq, softirq), as a share of their time, %. */
  readonly busyPct: number;
}

export interface Delay {
  readonly rows: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Samples in the histogram (one per timer tick). */
  readonly samples: number;
  /** What the main thread itself did meanwhile. */
  readonly main: MainThreadCost;
  /** What the machine's cores did meanwhile (null without /proc/stat). */
  readonly machine: MachineCpu | null;
}

/** Clock ticks per second of `/proc/stat` (USER_HZ: 100 on every Linux architecture Node runs on). */
const USER_HZ = 100;

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal, in ticks. */
function cpuTicks(): number[] | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    if (!line.startsWith('cpu ')) return null;
    return line.trim().split(/\s+/).slice(1, 9).map(Number);
  } catch {
    return null;
  }
}

function machineCpu(before: number[] | null, after: number[] | null): MachineCpu | null {
  if (!before || !after) return null;
  const d = after.map((v, i) => v - (before[i] ?? 0));
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = d;
  const busy = user + nice + system + irq + softirq;
  const total = busy + idle + iowait + steal;
  return { stealMs: (steal * 1000) / USER_HZ, busyPct: total > 0 ? (busy / total) * 100 : 0 };
}

const ms = (ns: number) => ns / 1e6;

/** The figures of a histogram; `rows`, `seconds`, `main` and `machine` as given. */
export function delayOf(
  histogram: IntervalHistogram,
  rest: Pick<Delay, 'rows' | 'seconds' | 'main' | 'machine'>,
): Delay {
  return {
    ...rest,
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
    samples: histogram.count,
  };
}

/**
 * One monitor shared by the windows of one kind, so that they can be read together as well as
 * apart. It records only inside those windows; its 1 ms timer runs beside each window's own and
 * fires in the same turn of the loop. Re-enabled, a monitor records the gap since its last tick as
 * one sample (at least as long as the window between), longer than any tick inside a window: the
 * pooled percentiles leave those samples out by rank, and the pooled max is the windows' max.
 */
export class PooledDelay {
  readonly #histogram = monitorEventLoopDelay({ resolution: 1 });
  #windows = 0;
  #maxMs = 0;

  enable(): void {
    this.#windows += 1;
    this.#histogram.enable();
  }

  /** End a window whose own monitor saw `maxMs` at most. */
  disable(maxMs: number): void {
    this.#histogram.disable();
    this.#maxMs = Math.max(this.#maxMs, maxMs);
  }

  /** Percentile `p` of the windows' samples, the gap samples (the highest ones) left out. */
  #percentile(p: number): number {
    const all = this.#histogram.count;
    const kept = all - Math.max(0, this.#windows - 1);
    return kept > 0 ? ms(this.#histogram.percentile((p * kept) / all)) : 0;
  }

  figures(): { p50Ms: number; p99Ms: number; maxMs: number; samples: number } {
    const gaps = Math.max(0, this.#windows - 1);
    return {
      p50Ms: this.#percentile(50),
      p99Ms: this.#percentile(99),
      maxMs: this.#maxMs,
      samples: this.#histogram.count - gaps,
    };
  }
}

/**
 * Run `work` while the main thread's event-loop delay is recorded (and by `pooled`, if given);
 * `longestRun` adds the tick timer that bounds main's longest task (`main-thread-cost.ts`).
 */
export async function measure(
  work: () => Promise<number>,
  pooled?: PooledDelay,
  longestRun = true,
): Promise<Delay> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const began = performance.now();
  const watch = watchMainThread(longestRun);
  const ticks = cpuTicks();
  histogram.enable();
  pooled?.enable();
  const rows = await work();
  histogram.disable();
  pooled?.disable(ms(histogram.max));
  const machine = machineCpu(ticks, cpuTicks());
  const main = watch();
  return delayOf(histogram, { rows, seconds: (performance.now() - began) / 1000, main, machine });
}
