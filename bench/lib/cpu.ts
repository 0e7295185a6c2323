/**
 * CPU per row per thread. Event-loop utilisation (ELU) active time of the main thread and of
 * named worker threads, process CPU (all threads, children excluded), and on-CPU time of every
 * thread of this process from `/proc/self/task/TID/schedstat` as a cross-check that does not
 * count time a thread waited for a core.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';

type Elu = ReturnType<typeof performance.eventLoopUtilization>;

/** On-CPU microseconds of every thread of this process, or null without /proc. */
export function threadCpuMicros(): Map<number, number> | null {
  try {
    const out = new Map<number, number>();
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const sched = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8');
        out.set(Number(tid), Number(sched.split(' ')[0]) / 1000);
      } catch {
        // the thread ended between readdir and read
      }
    }
    return out;
  } catch {
    return null;
  }
}

/** This thread's kernel thread id (Linux), or -1. */
export function ownTid(): number {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return -1;
  }
}

export interface CpuProbe {
  readonly t: number;
  readonly elu: Elu;
  readonly cpu: NodeJS.CpuUsage;
  readonly threads: Map<number, number> | null;
  readonly workerElu: readonly (Elu | null)[];
}

/** Take a probe; `workers` are the consumer threads whose ELU is reported separately. */
export function probe(workers: readonly Worker[] = []): CpuProbe {
  return {
    t: performance.now(),
    elu: performance.eventLoopUtilization(),
    cpu: process.cpuUsage(),
    threads: threadCpuMicros(),
    workerElu: workers.map((w) => w.performance.eventLoopUtilization()),
  };
}

export interface RunMeasure {
  readonly rows: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly rowsPerSec: number;
  readonly mbPerSec: number;
  /** Main-thread ELU active time per row. */
  readonly mainUsPerRow: number;
  /** Consumer thread ELU active per row (null when the consumer is the main thread). */
  readonly consumerUsPerRow: number | null;
  /** Process CPU (all threads, children excluded) per row. */
  readonly processUsPerRow: number;
  /** Process CPU minus main and consumer ELU: the supervisor thread and helpers. */
  readonly supervisorUsPerRow: number;
  /** schedstat on-CPU: main thread, consumer thread, busiest other thread (the supervisor). */
  readonly onCpuMainUsPerRow: number | null;
  readonly onCpuConsumerUsPerRow: number | null;
  readonly onCpuSupervisorUsPerRow: number | null;
}

/**
 * Per-row figures between two probes. `consumer` (taken with `probe([consumer])`) is the thread
 * that read the rows when it is not main; `consumerTid` its kernel thread id when known.
 */
export function measure(
  before: CpuProbe,
  after: CpuProbe,
  rows: number,
  bytes: number,
  consumer?: { readonly worker: Worker; readonly tid: number },
): RunMeasure {
  const seconds = (after.t - before.t) / 1000;
  const mainUs = performance.eventLoopUtilization(after.elu, before.elu).active * 1000;
  const cpu = process.cpuUsage(before.cpu);
  const processUs = cpu.user + cpu.system;
  const b = before.workerElu[0];
  const a = after.workerElu[0];
  const consumerUs =
    consumer && a && b ? consumer.worker.performance.eventLoopUtilization(a, b).active * 1000 : null;
  let onCpu: { main: number; consumer: number; supervisor: number } | null = null;
  if (before.threads && after.threads) {
    const delta = (tid: number) => (after.threads?.get(tid) ?? 0) - (before.threads?.get(tid) ?? 0);
    let busiest = 0;
    for (const tid of after.threads.keys()) {
      if (tid !== process.pid && tid !== consumer?.tid) busiest = Math.max(busiest, delta(tid));
    }
    onCpu = { main: delta(process.pid), consumer: consumer ? delta(consumer.tid) : 0, supervisor: busiest };
  }
  return {
    rows,
    bytes,
    seconds,
    rowsPerSec: rows / seconds,
    mbPerSec: bytes / (1024 * 1024) / seconds,
    mainUsPerRow: mainUs / rows,
    consumerUsPerRow: consumerUs === null ? null : consumerUs / rows,
    processUsPerRow: processUs / rows,
    supervisorUsPerRow: (processUs - mainUs - (consumerUs ?? 0)) / rows,
    onCpuMainUsPerRow: onCpu ? onCpu.main / rows : null,
    onCpuConsumerUsPerRow: onCpu && consumer ? onCpu.consumer / rows : null,
    onCpuSupervisorUsPerRow: onCpu ? onCpu.supervisor / rows : null,
  };
}

/** Median of each field over several runs, plus every run's rows/s. */
export function summarise(runs: readonly RunMeasure[]) {
  const pick = (f: (r: RunMeasure) => number | null): number | null => {
    const xs = runs.map(f).filter((x): x is number => x !== null);
    if (xs.length === 0) return null;
    const s = [...xs].sort((x, y) => x - y);
    return s[Math.floor((s.length - 1) / 2)] as number;
  };
  return {
    runs: runs.length,
    rowsPerRun: runs[0]?.rows ?? 0,
    rowsPerSec: pick((r) => r.rowsPerSec) ?? Number.NaN,
    mbPerSec: pick((r) => r.mbPerSec) ?? Number.NaN,
    mainUsPerRow: pick((r) => r.mainUsPerRow) ?? Number.NaN,
    consumerUsPerRow: pick((r) => r.consumerUsPerRow),
    supervisorUsPerRow: pick((r) => r.supervisorUsPerRow) ?? Number.NaN,
    processUsPerRow: pick((r) => r.processUsPerRow) ?? Number.NaN,
    onCpuMainUsPerRow: pick((r) => r.onCpuMainUsPerRow),
    onCpuConsumerUsPerRow: pick((r) => r.onCpuConsumerUsPerRow),
    onCpuSupervisorUsPerRow: pick((r) => r.onCpuSupervisorUsPerRow),
    allRowsPerSec: runs.map((r) => r.rowsPerSec),
  };
}
export type CaseSummary = ReturnType<typeof summarise>;
