import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const INDEX = pathToFileURL(path.join(ROOT, 'dist/src/index.js')).href;
const CHILD = path.join(ROOT, 'dist/fixtures/children/chatty-child.js');

const dirs: string[] = [];
const started: import('node:child_process').ChildProcess[] = [];
afterEach(() => {
  for (const p of started.splice(0)) p.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Pids of live processes whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** A script that leases a worker of the chatty child, runs one command, then `afterwards`. */
function script(marker: string, afterwards: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-exit-'));
  dirs.push(dir);
  return `
    import { z } from 'zod';
    import { defineJsonCommand, LeanWorkerCapabilityBuilder, LeanWorkerPool } from ${JSON.stringify(INDEX)};
    const pool = new LeanWorkerPool({ maxWorkers: 1 });
    const builder = new LeanWorkerCapabilityBuilder({
      projectRoot: ${JSON.stringify(dir)}, package: 'demo', libName: 'Demo', childKit: true,
      worker: { command: process.execPath, args: [${JSON.stringify(CHILD)}, ${JSON.stringify(marker)}] },
      exports: { echo: 'json' },
    });
    const lease = await pool.acquireLease(builder);
    const echo = defineJsonCommand({ export: 'echo', request: z.object({}), response: z.unknown() });
    await lease.runJsonCommand(echo, {});
    ${afterwards}
    process.stdout.write('ran\\n');
  `;
}

function run(source: string) {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', source], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  let out = '';
  proc.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, exited, output: () => out };
}

describe.runIf(process.platform === 'linux')('what keeps the process alive', () => {
  it('a script that releases its lease and never closes the pool exits, and its child is ended', async () => {
    const marker = `--marker=${randomUUID()}`;
    const { exited, output } = run(script(marker, 'lease.release();'));
    expect(await exited, output()).toBe(0);
    expect(output()).toContain('ran');
    for (let i = 0; i < 50 && processesWith(marker).length > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(processesWith(marker)).toEqual([]);
  });

  it('a lease still held keeps it alive', async () => {
    const marker = `--marker=${randomUUID()}`;
    const { proc, exited, output } = run(script(marker, ''));
    while (!output().includes('ran')) await new Promise((r) => setTimeout(r, 50));
    const early = await Promise.race([
      exited.then(() => 'exited'),
      new Promise((r) => setTimeout(r, 1_500, 'alive')),
    ]);
    expect(early).toBe('alive');
    proc.kill('SIGTERM');
    await exited;
  });
});
