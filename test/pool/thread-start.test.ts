/**
 * Supervisor threads start with the Node options they need, not the caller's entry options, and
 * a thread that fails to start says why (its error is the cause of WORKER_UNAVAILABLE).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { supervisorExecArgv } from '../../src/worker/thread-entry.js';
import { BASE_LAUNCH, helperChild } from '../helpers/supervisor.js';

/** A module script that leases the hostile child, runs `echo`, and prints the outcome as JSON. */
const script = `
  import { LeanWorkerPool } from ${JSON.stringify(path.resolve('dist/src/index.js'))};
  const resolved = { key: 'k', session: null, metadata: null, launch: {
    ...${JSON.stringify(BASE_LAUNCH)}, command: process.execPath, args: [${JSON.stringify(helperChild('hostile-child.mjs'))}] } };
  const pool = new LeanWorkerPool();
  try {
    const lease = await pool.acquireLease({ sessionKey: () => 'k', resolve: async () => resolved });
    const answer = await lease.capabilityDoctor('missing').catch((e) => e.code);
    console.log(JSON.stringify({ ok: true, answer }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, code: error.code, cause: error.cause?.message ?? null }));
  } finally {
    await pool.destroy();
  }
`;

function run(nodeArgs: string[]): unknown {
  const result = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout.trim());
}

describe('supervisor thread start', () => {
  it('drops the options that describe the caller entry, keeps the rest', () => {
    expect(supervisorExecArgv(['--input-type=module', '-e', 'code', '--expose-gc'])).toEqual(['--expose-gc']);
    expect(
      supervisorExecArgv(['--input-type', 'module', '--eval', 'x', '-r', 'pre.cjs', '-p', 'y', '--check']),
    ).toEqual(['-r', 'pre.cjs']);
    expect(supervisorExecArgv(['--conditions=dev', '--max-old-space-size=512'])).toEqual([
      '--conditions=dev',
      '--max-old-space-size=512',
    ]);
  });

  it('runs workers from `node --input-type=module -e`', () => {
    // The child answers an unknown doctor export with a worker error: the request went through.
    expect(run([])).toEqual({ ok: true, answer: 'LEAN_WORKER_ERR_WORKER' });
  });

  it('runs workers when the caller has process-wide options such as --expose-gc', () => {
    expect(run(['--expose-gc'])).toEqual({ ok: true, answer: 'LEAN_WORKER_ERR_WORKER' });
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lwp-gc-')), 'main.mjs');
    onTestFinished(() => rmSync(path.dirname(file), { recursive: true, force: true }));
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, ['--expose-gc', file], { encoding: 'utf8', timeout: 20_000 });
    expect(JSON.parse(result.stdout.trim())).toEqual({ ok: true, answer: 'LEAN_WORKER_ERR_WORKER' });
  });

  it('a thread that cannot start fails WORKER_UNAVAILABLE with its error as the cause', () => {
    const preload = helperChild('refuse-in-threads.cjs');
    expect(run(['-r', preload])).toEqual({
      ok: false,
      code: 'LEAN_WORKER_ERR_WORKER_UNAVAILABLE',
      cause: 'thread-start-refused-by-preload',
    });
  });

  it('a worker whose supervisor thread died leaves the pool; the next lease gets a fresh one', () => {
    const preload = helperChild('die-in-threads-later.cjs');
    const later = `
      import { LeanWorkerPool } from ${JSON.stringify(path.resolve('dist/src/index.js'))};
      const resolved = { key: 'k', session: null, metadata: null, launch: {
        ...${JSON.stringify(BASE_LAUNCH)}, command: process.execPath, args: [${JSON.stringify(helperChild('hostile-child.mjs'))}] } };
      const source = { sessionKey: () => 'k', resolve: async () => resolved };
      const pool = new LeanWorkerPool({ queueWaitTimeoutMs: 5000 });
      const ask = async () => {
        const lease = await pool.acquireLease(source);
        try {
          return await lease.capabilityDoctor('missing').catch((e) => e.code);
        } finally {
          lease.release();
        }
      };
      const first = await ask();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const afterDeath = pool.snapshot().workers;
      const second = await ask().catch((e) => 'acquire failed: ' + e.code);
      console.log(JSON.stringify({ first, afterDeath, second, admitted: pool.snapshot().coldOpenAdmitted }));
      await pool.destroy();
    `;
    // A script file, not `-e`: only the thread's death is under test here.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-thread-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'later.mjs');
    writeFileSync(file, later);
    const result = spawnSync(process.execPath, ['-r', preload, file], {
      encoding: 'utf8',
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({
      first: 'LEAN_WORKER_ERR_WORKER',
      afterDeath: 0,
      second: 'LEAN_WORKER_ERR_WORKER',
      admitted: 2,
    });
  });
});
