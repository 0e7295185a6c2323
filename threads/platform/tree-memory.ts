/**
 * Memory of a child process tree. On Linux from `/proc`: `/proc/<pid>/status` (RssAnon, RssFile,
 * RssShmem, VmHWM; about 12 us a read) for the child and every descendant, and `smaps_rollup`
 * (PSS) when asked, at a low rate. Where `/proc` is not read: the tree from one `ps` listing (the
 * child, its descendants, and whatever else is still in its process group, orphans included),
 * then the resident memory of those pids through pidusage. RSS only: there is no private/shared
 * breakdown, so `privateKib` is the RSS total.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { MemorySample } from '../../src/protocol/port-messages.js';
import type { ProcessRunner } from './runner.js';

/** `ps` of macOS and of procps both accept these options. */
export const PS_COMMAND = '/bin/ps';
export const PS_ARGS: readonly string[] = ['-A', '-o', 'pid=,ppid=,pgid='];
const PS_TIMEOUT_MS = 5_000;

interface PsRow {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
}

/** The rows of a `ps -o pid=,ppid=,pgid=` listing; lines that are not three numbers are skipped. */
export function parsePsListing(text: string): PsRow[] {
  const rows: PsRow[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/).map(Number);
    if (fields.length !== 3 || !fields.every((n) => Number.isSafeInteger(n) && n > 0)) continue;
    const [pid, ppid, pgid] = fields as [number, number, number];
    rows.push({ pid, ppid, pgid });
  }
  return rows;
}

/** `roots` and every pid `childrenOf` reaches from them, each once, in the order reached. */
export function walkTree(roots: readonly number[], childrenOf: (pid: number) => readonly number[]): number[] {
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    queue.push(...childrenOf(pid));
  }
  return [...seen];
}

/** `root`, its descendants, and the members of the process group it leads, `root` first. */
export function treeOf(rows: readonly PsRow[], root: number): number[] {
  const children = new Map<number, number[]>();
  for (const row of rows) children.set(row.ppid, [...(children.get(row.ppid) ?? []), row.pid]);
  const group = rows.filter((r) => r.pgid === root).map((r) => r.pid);
  return walkTree([root, ...group], (pid) => children.get(pid) ?? []);
}

/** A sample that says no figure could be had (no live child, or no way to measure). */
export const unavailableSample = (source: MemorySample['source']): MemorySample => ({
  available: false,
  source,
  processes: 0,
  rssKib: 0,
  rssAnonKib: null,
  rssFileKib: null,
  rssShmemKib: null,
  hwmKib: null,
  pssKib: null,
  privateKib: 0,
  sampledAtMs: Date.now(),
});

/** The pids whose memory to read: the tree from `ps`, or `root` alone when `ps` cannot be run. */
async function listTree(runner: ProcessRunner, root: number): Promise<number[]> {
  try {
    const listing = await runner.run(PS_COMMAND, PS_ARGS, PS_TIMEOUT_MS);
    const tree = listing.code === 0 ? treeOf(parsePsListing(listing.stdout), root) : [];
    return tree.length > 0 ? tree : [root];
  } catch {
    return [root];
  }
}

/**
 * The memory of `root` (and its tree when `wholeTree`) through pidusage; unavailable when
 * pidusage fails or no pid runs any more.
 */
export async function samplePidusage(
  runner: ProcessRunner,
  root: number,
  wholeTree: boolean,
): Promise<MemorySample> {
  const pids = wholeTree ? await listTree(runner, root) : [root];
  let bytes: ReadonlyMap<number, number>;
  try {
    bytes = await runner.usage(pids);
  } catch {
    return unavailableSample('pidusage');
  }
  if (bytes.size === 0) return unavailableSample('pidusage');
  const kib = Math.round([...bytes.values()].reduce((sum, value) => sum + value, 0) / 1024);
  return {
    ...unavailableSample('pidusage'),
    available: true,
    processes: bytes.size,
    rssKib: kib,
    privateKib: kib,
  };
}

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
