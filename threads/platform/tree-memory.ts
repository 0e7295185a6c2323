/**
 * Memory of a child tree where `/proc` is not read: the tree from one `ps` listing (the child,
 * its descendants, and whatever else is still in its process group, orphans included), then the
 * resident memory of those pids through pidusage. RSS only: there is no private/shared breakdown,
 * so `privateKib` is the RSS total.
 */
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
  let total = 0;
  for (const value of bytes.values()) total += value;
  const kib = Math.round(total / 1024);
  return {
    ...unavailableSample('pidusage'),
    available: true,
    processes: bytes.size,
    rssKib: kib,
    privateKib: kib,
  };
}
