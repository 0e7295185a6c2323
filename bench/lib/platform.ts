/** Facts about the machine a benchmark ran on: Node, OS, CPU model, core count, load. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';

export interface Platform {
  readonly node: string;
  readonly os: string;
  readonly cpuModel: string;
  /** Cores this process may use (`nproc`). */
  readonly nproc: number;
  readonly totalMemoryGib: number;
  readonly loadAverage: readonly number[];
  /** The `uptime` command's line (or the load average when it is absent). */
  readonly uptime: string;
}

function nproc(): number {
  const out = spawnSync('nproc', { encoding: 'utf8' });
  const n = Number(out.stdout?.trim());
  return out.status === 0 && n > 0 ? n : (os.availableParallelism?.() ?? os.cpus().length);
}

/** The `uptime` line now (current time, up time, users, load averages). */
export function uptimeLine(): string {
  const out = spawnSync('uptime', { encoding: 'utf8' });
  if (out.status === 0 && out.stdout) return out.stdout.trim();
  return `load average: ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')}`;
}

export function platform(): Platform {
  return {
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    nproc: nproc(),
    totalMemoryGib: os.totalmem() / 1024 ** 3,
    loadAverage: os.loadavg(),
    uptime: uptimeLine(),
  };
}

export function describePlatform(p: Platform): string {
  return (
    `node ${p.node}, ${p.os}, ${p.cpuModel}, nproc ${p.nproc}, ${p.totalMemoryGib.toFixed(1)} GiB RAM; ` +
    `load average ${p.loadAverage.map((x) => x.toFixed(2)).join(' ')}`
  );
}

/**
 * Keep a core for the main thread (Linux, util-linux `taskset`): every other thread of this process
 * on `cpus` (V8's platform workers, which run the supervisor and consumer threads' parallel GC and
 * compile tasks, libuv's pool and every worker thread started so far; threads they start inherit
 * the mask), and main on the CPUs left over, so that no wake-up places main beside a thread of the
 * pool. Threads main starts from now on inherit its mask. Returns how many threads were moved
 * (main included); 0 where taskset is missing or refused.
 */
export function keepCoreForMain(cpus: readonly number[]): number {
  let moved = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    const mask = tid === String(process.pid) ? otherCpus(cpus) : cpus;
    const out = spawnSync('taskset', ['-p', '-c', mask.join(','), tid], { stdio: 'ignore' });
    if (out.status === 0) moved += 1;
  }
  return moved;
}

/** The CPUs of this machine not in `cpus` (all of them if that would leave none). */
export function otherCpus(cpus: readonly number[]): number[] {
  const all = Array.from({ length: os.availableParallelism() }, (_, i) => i);
  const rest = all.filter((cpu) => !cpus.includes(cpu));
  return rest.length > 0 ? rest : all;
}
