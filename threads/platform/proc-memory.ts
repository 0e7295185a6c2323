/**
 * Memory of a child process tree from `/proc` (the Linux layer). Reads `/proc/<pid>/status`
 * (RssAnon, RssFile, RssShmem, VmHWM; about 12 us a read) for the child and every descendant, and
 * `smaps_rollup` (PSS) when asked, at a low rate.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { MemorySample } from '../../src/protocol/port-messages.js';
import { unavailableSample, walkTree } from './tree-memory.js';

/** A `/proc` file's text, or null when it cannot be read (the process ended meanwhile). */
function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/** Whether this process can read `/proc` (a Linux fact the layer is chosen from). */
export const hasProc = readProc('/proc/self/status') !== null;

/** The `status` fields summed over a tree, by the name they have there. */
const STATUS_FIELDS = {
  rss: 'VmRSS',
  anon: 'RssAnon',
  file: 'RssFile',
  shmem: 'RssShmem',
  hwm: 'VmHWM',
} as const;
type StatusKey = keyof typeof STATUS_FIELDS;

function field(text: string, name: string): number {
  const at = text.indexOf(`\n${name}:`);
  if (at < 0) return 0;
  return Number.parseInt(text.slice(at + name.length + 2, text.indexOf('\n', at + 1)), 10) || 0;
}

/** The children of `pid`, through /proc/<pid>/task/<tid>/children. */
function childrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const lists = tasks.map((tid) => readProc(`/proc/${pid}/task/${tid}/children`)?.trim() ?? '');
  return lists.flatMap((list) => (list ? list.split(/\s+/).map(Number) : []));
}

/** Sample the tree rooted at `pid` from /proc; `withPss` adds smaps_rollup (about 0.2 ms a pid). */
export function sampleProcTree(pid: number, withPss = false): MemorySample {
  if (!hasProc) return unavailableSample('none');
  const sum: Record<StatusKey, number> = { rss: 0, anon: 0, file: 0, shmem: 0, hwm: 0 };
  let pss: number | null = withPss ? 0 : null;
  let processes = 0;
  for (const p of walkTree([pid], childrenOf)) {
    const status = readProc(`/proc/${p}/status`);
    if (status === null) continue;
    processes += 1;
    for (const key of Object.keys(sum) as StatusKey[]) sum[key] += field(status, STATUS_FIELDS[key]);
    if (pss !== null) {
      const rollup = readProc(`/proc/${p}/smaps_rollup`);
      pss = rollup === null ? null : pss + field(`\n${rollup}`, 'Pss');
    }
  }
  if (processes === 0) return unavailableSample('proc');
  return {
    available: true,
    source: 'proc',
    processes,
    rssKib: sum.rss,
    rssAnonKib: sum.anon,
    rssFileKib: sum.file,
    rssShmemKib: sum.shmem,
    hwmKib: sum.hwm,
    pssKib: pss,
    privateKib: sum.anon + sum.shmem,
    sampledAtMs: Date.now(),
  };
}
