/**
 * The Linux layer forced onto its portable path (`LEAN_WORKER_PORTABLE=1`: no setpriv, no /proc
 * readers; the watchdog alone guards orphans, memory comes from ps and pidusage) passes the
 * conformance suites with real fixture children: terminal outcomes, backpressure, orphans after
 * the parent's SIGKILL, shutdown, timeouts and restarts. This is the path macOS takes, run where
 * it can be run. The variable is set before any supervisor thread starts, so every thread (and
 * every parent process a test starts) reads it; vitest runs this file in a process of its own.
 */
import '../conformance/outcomes.test.js';
import '../conformance/backpressure.test.js';
import '../conformance/orphans.test.js';
import '../conformance/lifecycle.test.js';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { PORTABLE_ENV } from '../../src/protocol/platform.js';
import { eventually, killQuietly } from '../helpers/proc.js';
import { drain, ROOT, startSupervisor, succeeded } from '../helpers/supervisor.js';
import { MARK_VARIABLE, markedProcesses } from '../reliability/resources.js';

process.env[PORTABLE_ENV] = '1';

const BUSY_PARENT = path.join(ROOT, 'test/reliability/children/busy-parent.mjs');

describe('the portable path', () => {
  it('is in effect in the supervisor threads: memory comes from pidusage, over the whole tree', async () => {
    const sup = await startSupervisor('test-child');
    const sample = await sup.handle.sample(true);
    expect(sample).toMatchObject({ available: true, source: 'pidusage', processes: 1, pssKib: null });
    expect(sample.rssKib).toBeGreaterThan(1024);
    expect(sample.privateKib).toBe(sample.rssKib);
  });

  it('enforces the in-flight hard memory limit through pidusage, then restarts', async () => {
    const sup = await startSupervisor('test-child', [], {
      launch: { hardMemoryLimitKib: 4 * 1024, memorySampleIntervalMs: 50 },
    });
    const pid = sup.pid;
    const { error } = await drain(sup.stream('slow', { rows: 200, msPerRow: 20 }).stream);
    expect(error?.code).toBe(ErrorCode.MEMORY_LIMIT);
    await sup.untilGeneration(1);
    expect(sup.pid).not.toBe(pid);
    const next = sup.stream('rows', { count: 3 });
    const after = await drain(next.stream);
    expect(after.error).toBeNull();
    succeeded(await next.control);
  });

  it('leaves no child or grandchild of a busy parent killed with SIGKILL: the watchdog alone kills them', async () => {
    const mark = randomUUID();
    const proc = spawn(process.execPath, [BUSY_PARENT, 'sigkill'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [MARK_VARIABLE]: mark },
    });
    onTestFinished(() => {
      killQuietly(proc.pid as number);
      for (const pid of markedProcesses(mark)) killQuietly(pid);
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once('exit', (_c, s) => resolve(s)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ready\n')) resolve();
      });
      void exited.then(() => reject(new Error('the parent ended before it was ready')));
    });
    // Four children and two grandchildren run.
    expect(await eventually(() => markedProcesses(mark).length >= 6, 5_000, 20)).toBe(true);
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const gone = await eventually(() => markedProcesses(mark).length === 0, 1_000, 10);
    expect(gone, `still running: ${markedProcesses(mark).join(', ')}`).toBe(true);
  });
});
