/** Fixture children that crash, abort, hang, flood stderr, and a producer paced by its reader. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { readyTestChild, stream } from './harness.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('process behaviour of the test child', () => {
  it('crash_after delivers its rows, then exits with code 3 and no response', async () => {
    const child = await readyTestChild();
    child.request(stream('crash_after', { rows: 4 }));
    for (let i = 0; i < 4; i++) expect((await child.next()).type).toBe('data_row');
    expect(await child.exited).toEqual({ code: 3, signal: null });
    expect(await child.outputEnd()).toBeUndefined();
    expect(child.buffered).toBe(0);
  });

  it.each(['SIGABRT', 'SIGSEGV'] as const)('abort_after dies by %s after its rows', async (signal) => {
    const child = await readyTestChild();
    child.request(stream('abort_after', { rows: 2, signal }));
    for (let i = 0; i < 2; i++) expect((await child.next()).type).toBe('data_row');
    expect(await child.exited).toEqual({ code: null, signal });
  });

  it('hang emits nothing and stays alive', async () => {
    const child = await readyTestChild();
    child.request(stream('hang'));
    await expect(child.next(300)).rejects.toThrow(/timed out/);
    expect(child.proc.exitCode).toBeNull();
  });

  it('hang_after_rows delivers rows, then goes silent', async () => {
    const child = await readyTestChild();
    child.request(stream('hang_after_rows', { rows: 2 }));
    expect((await child.next()).type).toBe('data_row');
    expect((await child.next()).type).toBe('data_row');
    await expect(child.next(300)).rejects.toThrow(/timed out/);
  });

  it('hang_progress keeps emitting progress and never answers', async () => {
    const child = await readyTestChild();
    child.request(stream('hang_progress', { intervalMs: 5 }));
    for (let i = 1; i <= 5; i++) {
      expect(await child.next()).toEqual({
        type: 'progress_tick',
        body: { phase: 'fixture.hang', current: i, total: null },
      });
    }
  });

  it('stderr_flood completes when the parent drains stderr', async () => {
    const child = await readyTestChild();
    const { events, response } = await child.call(stream('stderr_flood', { rows: 2, mib: 8 }), 30_000);
    expect(events.filter((e) => e.type === 'data_row')).toHaveLength(2);
    expect(response.status).toBe('stream_complete');
    expect(child.stderrBytes).toBeGreaterThanOrEqual(8 << 20);
  });
});

describe('backpressure', () => {
  it('a producer stops when the parent stops reading and resumes when it reads again', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lean-worker-bp-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const counterFile = path.join(dir, 'count');
    const accepted = () => Number(readFileSync(counterFile, 'utf8').trim() || 0);
    const child = await readyTestChild();
    child.request(stream('forever', { counterFile, payloadBytes: 200 }));
    await child.next();
    child.proc.stdout?.pause();

    // Wait until the child's count stops moving: the pipe is full and the export is parked.
    let last = -1;
    let count = accepted();
    for (let i = 0; i < 100 && count !== last; i++) {
      last = count;
      await sleep(100);
      count = accepted();
    }
    expect(count).toBeGreaterThan(0);
    expect(count).toBe(last);
    await sleep(300);
    expect(accepted()).toBe(count);
    // Bounded by what the parent took in plus pipe/socket buffers and the child's own queue.
    const rowBytes = 250;
    expect(count * rowBytes - child.stdoutBytes).toBeLessThan(8 << 20);

    child.proc.stdout?.resume();
    for (let i = 0; i < 100 && accepted() === count; i++) await sleep(50);
    expect(accepted()).toBeGreaterThan(count);
  });

  it.runIf(process.platform === 'linux')(
    'leaves stderr blocking, so an export can write to fd 2 synchronously on every Node version',
    async () => {
      const child = await readyTestChild();
      const flags = /^flags:\s*([0-7]+)$/m.exec(readFileSync(`/proc/${child.proc.pid}/fdinfo/2`, 'utf8'));
      const O_NONBLOCK = 0o4000;
      expect(flags).not.toBeNull();
      expect(Number.parseInt(flags?.[1] ?? '0', 8) & O_NONBLOCK).toBe(0);
    },
  );
});
