/**
 * Memory while a workload runs, by measure: the pool's own figures (from `pool.snapshot()`), an
 * independent read of every child of this process from `/proc` (private = RssAnon + RssShmem,
 * RSS, RssFile), and the parent's RSS. Peaks are kept; "unavailable" is explicit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { LeanWorkerPool } from '../../src/index.js';

export interface ProcChildren {
  readonly count: number;
  readonly privateKib: number;
  readonly rssKib: number;
  /** Largest RssFile of one child (shared file pages counted once). */
  readonly maxRssFileKib: number;
}

function statusKib(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Direct children of every thread of this process, read from /proc; null without /proc. */
export function procChildren(): ProcChildren | null {
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return null;
  }
  let count = 0;
  let privateKib = 0;
  let rssKib = 0;
  let maxRssFileKib = 0;
  for (const tid of tids) {
    let pids: string[] = [];
    try {
      pids = readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      continue;
    }
    for (const pid of pids) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        count += 1;
        privateKib += statusKib(status, 'RssAnon') + statusKib(status, 'RssShmem');
        rssKib += statusKib(status, 'VmRSS');
        maxRssFileKib = Math.max(maxRssFileKib, statusKib(status, 'RssFile'));
      } catch {
        // exited between the listing and the read
      }
    }
  }
  return { count, privateKib, rssKib, maxRssFileKib };
}

export interface MemoryPeaks {
  readonly samples: number;
  /** Pool figures (KiB): what admission compares with the budget, and the sums it reports. */
  readonly poolDecisionTotalKib: number;
  readonly poolPrivateSumKib: number;
  readonly poolRssSumKib: number;
  readonly poolPssSumKib: number | null;
  readonly poolSamplesUnavailable: number;
  /** Independent /proc read of the children (null when /proc is absent). */
  readonly procPrivatePlusSharedKib: number | null;
  readonly procPrivateKib: number | null;
  readonly procRssSumKib: number | null;
  readonly procMaxChildren: number | null;
  readonly parentRssMib: number;
}

export class MemoryWatch {
  readonly #pool: LeanWorkerPool | null;
  readonly #timer: NodeJS.Timeout;
  #samples = 0;
  #peaks = {
    poolDecisionTotalKib: 0,
    poolPrivateSumKib: 0,
    poolRssSumKib: 0,
    poolPssSumKib: null as number | null,
    poolSamplesUnavailable: 0,
    procPrivatePlusSharedKib: null as number | null,
    procPrivateKib: null as number | null,
    procRssSumKib: null as number | null,
    procMaxChildren: null as number | null,
    parentRssMib: 0,
  };

  constructor(pool: LeanWorkerPool | null, intervalMs = 20) {
    this.#pool = pool;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    this.#samples += 1;
    const p = this.#peaks;
    if (this.#pool) {
      const m = this.#pool.snapshot().memory;
      p.poolDecisionTotalKib = Math.max(p.poolDecisionTotalKib, m.decisionTotalKib);
      p.poolPrivateSumKib = Math.max(p.poolPrivateSumKib, m.privateSumKib);
      p.poolRssSumKib = Math.max(p.poolRssSumKib, m.rssSumKib);
      if (m.pssSumKib !== null && m.pssSumKib > 0)
        p.poolPssSumKib = Math.max(p.poolPssSumKib ?? 0, m.pssSumKib);
      p.poolSamplesUnavailable = Math.max(p.poolSamplesUnavailable, m.samplesUnavailable);
    }
    const proc = procChildren();
    if (proc) {
      const max = (a: number | null, b: number) => Math.max(a ?? 0, b);
      p.procPrivateKib = max(p.procPrivateKib, proc.privateKib);
      p.procPrivatePlusSharedKib = max(p.procPrivatePlusSharedKib, proc.privateKib + proc.maxRssFileKib);
      p.procRssSumKib = max(p.procRssSumKib, proc.rssKib);
      p.procMaxChildren = max(p.procMaxChildren, proc.count);
    }
    p.parentRssMib = Math.max(p.parentRssMib, process.memoryUsage().rss / 2 ** 20);
  }

  stop(): MemoryPeaks {
    clearInterval(this.#timer);
    this.sample();
    return { samples: this.#samples, ...this.#peaks };
  }
}

/** One line of peaks for a report. */
export function describePeaks(p: MemoryPeaks): string {
  const mib = (kib: number | null) => (kib === null ? 'unavailable' : `${(kib / 1024).toFixed(1)} MiB`);
  return (
    `pool decision total ${mib(p.poolDecisionTotalKib)}, pool private sum ${mib(p.poolPrivateSumKib)}, ` +
    `pool RSS sum ${mib(p.poolRssSumKib)}, pool PSS sum ${p.poolPssSumKib === null ? 'not sampled' : mib(p.poolPssSumKib)}; ` +
    `/proc children private ${mib(p.procPrivateKib)} (+ shared file once ${mib(p.procPrivatePlusSharedKib)}), ` +
    `RSS sum ${mib(p.procRssSumKib)}, up to ${p.procMaxChildren ?? 'unavailable'} children; parent RSS ${p.parentRssMib.toFixed(1)} MiB`
  );
}

export const MEMORY_MEASURE_TEXT =
  'child memory by measure: pool snapshot (decision total = per-worker private + one copy of shared file pages; private, RSS and PSS sums) and an independent /proc read of the children (RssAnon + RssShmem; RSS; RssFile counted once); parent RSS from process.memoryUsage(); all peaks over 20 ms samples';
