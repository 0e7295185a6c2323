/**
 * The PID-namespace launcher used when this process is PID 1: the typed error where namespaces
 * are refused, and, run for real from an ordinary process, what a child under unshare looks like
 * from here (exit facts, kills that leave no zombie).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { ChildHandle } from '../../threads/child-process.js';
import { childLauncher, launcherExit, launcherFrom, namespaceInit } from '../../threads/pid-namespace.js';
import { waitGone } from '../helpers/proc.js';

const refused = { ok: false, unshare: '/usr/bin/unshare', cause: 'namespaces_refused' } as const;

describe('launcher choice', () => {
  it('starts children directly when this process is not PID 1', async () => {
    expect(await childLauncher(4242)).toEqual({ prefix: [] });
  });

  it('runs children under unshare in a PID namespace of their own when namespaces are allowed', () => {
    expect(launcherFrom({ ok: true, unshare: '/usr/bin/unshare' })).toEqual({
      prefix: ['/usr/bin/unshare', '--pid', '--fork', '--kill-child', '--'],
    });
  });

  it('fails with SPAWN init_required, the cause and the fix, where namespaces are refused', () => {
    const launcher = launcherFrom({ ...refused, detail: 'unshare: unshare failed: Operation not permitted' });
    if (!('error' in launcher)) expect.fail('expected the init_required error');
    expect(launcher.error.code).toBe(ErrorCode.SPAWN);
    expect(launcher.error.facts).toMatchObject({
      reason: 'init_required',
      cause: 'namespaces_refused',
      detail: 'unshare: unshare failed: Operation not permitted',
      unshare: '/usr/bin/unshare',
    });
    expect(String(launcher.error.facts?.fix)).toContain('docker run --init');
  });

  it('names a missing unshare as the cause', () => {
    const launcher = launcherFrom({ ok: false, unshare: null, cause: 'no_unshare', detail: 'none found' });
    if (!('error' in launcher)) expect.fail('expected the init_required error');
    expect(launcher.error.facts).toMatchObject({
      reason: 'init_required',
      cause: 'no_unshare',
      unshare: null,
    });
  });
});

describe('exit facts through unshare', () => {
  const tail = 'child said goodbye\nunshare: sigprocmask unblock failed: Invalid argument\n';

  it('reads the exit 1 unshare gives for a child it cannot re-raise SIGKILL for as that SIGKILL', () => {
    expect(launcherExit({ code: 1, signal: null, success: false, stderrTail: tail })).toEqual({
      code: null,
      signal: 'SIGKILL',
      success: false,
      stderrTail: 'child said goodbye\n',
    });
  });

  it('keeps every other exit as it is', () => {
    const plain = { code: 1, signal: null, success: false, stderrTail: 'error: unshare: not the launcher\n' };
    expect(launcherExit(plain)).toBe(plain);
    const zero = { code: 0, signal: null, success: true, stderrTail: tail };
    expect(launcherExit(zero)).toBe(zero);
  });
});

function unshareRefusal(): string | null {
  if (process.platform !== 'linux') return 'PID namespaces are Linux only';
  const probe = spawnSync('/usr/bin/unshare', ['--pid', '--fork', '--kill-child', '--', 'true'], {
    encoding: 'utf8',
  });
  if (probe.error) return `unshare cannot run: ${probe.error.message}`;
  return probe.status === 0 ? null : `unshare is refused here: ${probe.stderr.trim()}`;
}

const refusal = unshareRefusal();

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
const LAUNCHER = ['/usr/bin/unshare', '--pid', '--fork', '--kill-child', '--'];

async function startUnder(command: string, args: string[]): Promise<ChildHandle> {
  const child = await ChildHandle.start({
    command,
    args,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    stderrTailBytes: 4096,
    launcher: LAUNCHER,
  });
  onTestFinished(async () => {
    child.killGroup();
    await child.waitExit(5_000);
  });
  return child;
}

describe(`a child under unshare${refusal ? ` (skipped: ${refusal})` : ''}`, () => {
  it.skipIf(refusal !== null)('passes the child exit code through', async () => {
    const child = await startUnder('/bin/sh', ['-c', 'exit 3']);
    expect(await child.waitExit(5_000)).toMatchObject({ code: 3, signal: null });
  });

  it.skipIf(refusal !== null)(
    'kills the namespace init and everything under it; unshare reaps it and the exit reads SIGKILL',
    async () => {
      const child = await startUnder('/bin/sh', ['-c', 'sleep 30 & sleep 30']);
      let tree: number[] = [];
      for (let i = 0; i < 500 && tree.length < 3; i++) {
        const init = namespaceInit(child.pid);
        tree = init === null ? [] : [init, ...childrenOf(init)];
        if (tree.length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(tree).toHaveLength(3);
      child.killGroup();
      expect(await child.waitExit(5_000)).toMatchObject({ code: null, signal: 'SIGKILL', success: false });
      for (const pid of tree) expect(await waitGone(pid, 2_000)).toBe(true);
    },
  );

  it.skipIf(refusal !== null || spawnSync('python3', ['--version']).status !== 0)(
    'reports the signal of a child that faults, re-raised by unshare (needs python3)',
    async () => {
      const child = await startUnder('python3', ['-c', 'import ctypes; ctypes.string_at(0)']);
      expect(await child.waitExit(5_000)).toMatchObject({ code: null, signal: 'SIGSEGV' });
    },
  );
});
