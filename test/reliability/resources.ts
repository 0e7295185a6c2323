/**
 * What a test can leave behind, measured from outside the library: processes carrying a test's
 * marker variable (children and grandchildren inherit it), open file descriptors, OS threads
 * (every worker thread is one), and live MessagePorts of this process.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { eventually } from '../helpers/proc.js';

/** Environment variable a test puts in every child's environment to find its processes later. */
export const MARK_VARIABLE = 'LEAN_WORKER_TEST_MARK';

/** Live (not zombie) processes whose environment carries `MARK_VARIABLE=mark`. */
export function markedProcesses(mark: string): number[] {
  const needle = `${MARK_VARIABLE}=${mark}\0`;
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (!readFileSync(`/proc/${name}/environ`, 'latin1').includes(needle)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
      if (state !== 'Z' && state !== 'X') found.push(Number(name));
    } catch {
      // gone while we looked, or not ours to read
    }
  }
  return found;
}

/** Resource counts of this process. */
export interface ResourceCounts {
  readonly fds: number;
  readonly threads: number;
  readonly messagePorts: number;
}

export function resourceCounts(): ResourceCounts {
  return {
    fds: readdirSync('/proc/self/fd').length,
    threads: readdirSync('/proc/self/task').length,
    messagePorts: process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length,
  };
}

/** Whether every count is back at or below `baseline`. */
export function withinBaseline(baseline: ResourceCounts, now = resourceCounts()): boolean {
  return (
    now.fds <= baseline.fds && now.threads <= baseline.threads && now.messagePorts <= baseline.messagePorts
  );
}

/**
 * Wait until nothing carrying `mark` runs and this process's fds, threads and ports are back at
 * `baseline`; returns what is left when that does not happen within `timeoutMs`.
 */
export async function leftBehind(
  mark: string,
  baseline: ResourceCounts,
  timeoutMs = 3_000,
): Promise<{ processes: number[]; counts: ResourceCounts; baseline: ResourceCounts } | null> {
  const clean = await eventually(
    () => markedProcesses(mark).length === 0 && withinBaseline(baseline),
    timeoutMs,
    20,
  );
  if (clean) return null;
  return { processes: markedProcesses(mark), counts: resourceCounts(), baseline };
}
