/**
 * Cluster nodes in processes of their own (`children/node-process.mjs`, the compiled tree), each
 * killed with SIGKILL when the current test finishes if still alive; the processes below a pid;
 * and a bounded wait for a condition.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, onTestFinished } from 'vitest';

const NODE_PROCESS = path.join(import.meta.dirname, 'children/node-process.mjs');

/** Every process below `pid` (children, their children...), read from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, ppid] of parent) {
      if (ppid === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** Start a node process on Redis at `port` with id `id` and a pool of `maxWorkers`; resolves once it takes jobs. */
export async function spawnNode(port: number, id: string, maxWorkers = 1): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NODE_PROCESS, String(port), id, String(maxWorkers)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  });
  const [line] = (await Promise.race([
    once(child.stdout as NodeJS.ReadableStream, 'data'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('node process not ready in 20 s')), 20_000)),
  ])) as [Buffer];
  expect(line.toString()).toContain('ready');
  return child;
}

/** Poll `check` every 25 ms until it holds; throws after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
