/**
 * Memory of a child process tree from `/proc` (the Linux layer). Reads `/proc/<pid>/status`
 * (RssAnon, RssFile, RssShmem, VmHWM; about 12 us a read) for the child and every descendant, and
 * `smaps_rollup` (PSS) when asked, at a low rate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { MemorySample } from '../../src/protocol/port-messages.js';
import { unavailableSample } from './tree-memory.js';

/** Whether this process can read `/proc` (a Linux fact the layer is chosen from). */
export const hasProc = (() => {
  try {
    readFileSync('/proc/self/status');
    return true;
  } catch {
    return false;
  }
})();

interface StatusFields {
  rss: number;
  anon: number;
  file: number;
  shmem: number;
  hwm: number;
}

function field(text: string, name: string): number {
  const at = text.indexOf(`\n${name}:`);
  if (at < 0) return 0;
  return Number.parseInt(text.slice(at + name.length + 2, text.indexOf('\n', at + 1)), 10) || 0;
}

function readStatus(pid: number): StatusFields | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'latin1');
    return {
      rss: field(text, 'VmRSS'),
      anon: field(text, 'RssAnon'),
      file: field(text, 'RssFile'),
      shmem: field(text, 'RssShmem'),
      hwm: field(text, 'VmHWM'),
    };
  } catch {
    return null;
  }
}

function readPss(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
    return field(`\n${text}`, 'Pss');
  } catch {
    return null;
  }
}

/** The pid and every descendant, through /proc/<pid>/task/<tid>/children. */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    out.push(pid);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').trim();
        if (children) for (const c of children.split(/\s+/)) stack.push(Number(c));
      } catch {
        // thread ended meanwhile
      }
    }
  }
  return out;
}

/** Sample the tree rooted at `pid` from /proc; `withPss` adds smaps_rollup (about 0.2 ms a pid). */
export function sampleProcTree(pid: number, withPss = false): MemorySample {
  if (!hasProc) return unavailableSample('none');
  let rss = 0;
  let anon = 0;
  let file = 0;
  let shmem = 0;
  let hwm = 0;
  let pss: number | null = withPss ? 0 : null;
  let processes = 0;
  for (const p of processTree(pid)) {
    const s = readStatus(p);
    if (!s) continue;
    processes += 1;
    rss += s.rss;
    anon += s.anon;
    file += s.file;
    shmem += s.shmem;
    hwm += s.hwm;
    if (pss !== null) {
      const value = readPss(p);
      pss = value === null ? null : pss + value;
    }
  }
  if (processes === 0) return unavailableSample('proc');
  return {
    available: true,
    source: 'proc',
    processes,
    rssKib: rss,
    rssAnonKib: anon,
    rssFileKib: file,
    rssShmemKib: shmem,
    hwmKib: hwm,
    pssKib: pss,
    privateKib: anon + shmem,
    sampledAtMs: Date.now(),
  };
}
