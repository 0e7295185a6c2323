/**
 * Node as PID 1 (a container started without an init), run for real: a parent script becomes PID 1
 * of a fresh PID namespace (`unshare --pid --fork --mount-proc`) and drives a pool over a child
 * that, like the real worker child, exits at once when its parent is PID 1. Needs root (or
 * CAP_SYS_ADMIN) on Linux; each test says why it is skipped where that is refused.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { eventually } from '../helpers/proc.js';
import { helperChild } from '../helpers/supervisor.js';
import { MARK_VARIABLE, markedProcesses } from './resources.js';

const UNSHARE = ['--pid', '--fork', '--kill-child', '--mount-proc', '--'];
const DROP_SYS_ADMIN = ['setpriv', '--bounding-set', '-sys_admin', '--'];

/** Why `unshare` cannot make this test a PID namespace here, or null when it can. */
function refusal(prefix: readonly string[] = [], expectRefused = false): string | null {
  if (process.platform !== 'linux') return 'PID namespaces are Linux only';
  const probe = spawnSync('unshare', [...UNSHARE, ...prefix, 'unshare', '--pid', '--fork', 'true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (probe.error) return `unshare cannot run: ${probe.error.message}`;
  const refused = probe.status !== 0;
  if (!expectRefused && refused) return `unshare is refused here: ${probe.stderr.trim()}`;
  if (expectRefused && !refused) return 'dropping CAP_SYS_ADMIN did not refuse PID namespaces here';
  return null;
}

const serveRefusal = refusal();
const refusedRefusal = serveRefusal ?? refusal(DROP_SYS_ADMIN, true);

/** Run the parent script as PID 1 under `prefix`; its JSON report, killed with the test if need be. */
async function runAsPidOne(
  mode: string,
  prefix: readonly string[],
  mark: string,
): Promise<Record<string, unknown>> {
  const parent: ChildProcess = spawn(
    'unshare',
    [...UNSHARE, ...prefix, process.execPath, helperChild('pid1-parent.mjs'), mode],
    {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', [MARK_VARIABLE]: mark },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  onTestFinished(() => {
    // --kill-child: the namespace's PID 1, and so everything in the namespace, dies with unshare.
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  parent.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  parent.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => parent.once('close', (c) => resolve(c)));
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe(`Node as PID 1${serveRefusal ? ` (skipped: ${serveRefusal})` : ''}`, () => {
  it.skipIf(serveRefusal !== null)(
    'streams rows from children that see no PID 1 parent, replaces them, and leaves no zombie or process',
    async () => {
      const mark = randomUUID();
      const report = await runAsPidOne('serve', [], mark);
      expect(report.pid).toBe(1);
      expect(report.rows).toBe(200);
      // Each child is the init of its own namespace: its parent (unshare) is outside it.
      expect(report.childParents).toEqual([0]);
      expect(report.childPids).toEqual([1]);
      // The memory sample of the worker's tree includes the child itself, not only its launcher.
      const memory = report.memory as { sampledRssKib: number; childRssKib: number };
      expect(memory.childRssKib).toBeGreaterThan(0);
      expect(memory.sampledRssKib).toBeGreaterThanOrEqual(memory.childRssKib);
      expect(report.crash).toMatchObject({ code: ErrorCode.CHILD_CRASH, exitCode: 3, signal: null });
      expect(report.orphan).toMatchObject({ code: ErrorCode.CHILD_CRASH, exitCode: 3, signal: null });
      expect(report.killed).toMatchObject({ code: ErrorCode.CHILD_CRASH, exitCode: null, signal: 'SIGKILL' });
      expect(report.rowsAfter).toBe(20);
      expect(report.restarts).toBe(3);
      expect(report.zombiesServing).toEqual([]);
      expect(report.zombiesClosed).toEqual([]);
      expect(report.leftClosed).toEqual([]);
      expect(await eventually(() => markedProcesses(mark).length === 0, 5_000)).toBe(true);
    },
  );
});

describe(`Node as PID 1 where PID namespaces are refused${refusedRefusal ? ` (skipped: ${refusedRefusal})` : ''}`, () => {
  it.skipIf(refusedRefusal !== null)(
    'fails every start with SPAWN init_required, naming the fix, and never quarantines the key',
    async () => {
      const mark = randomUUID();
      const report = await runAsPidOne('refused', DROP_SYS_ADMIN, mark);
      expect(report.pid).toBe(1);
      // More attempts than the restart intensity (1) allows: none is QUARANTINED.
      expect(report.attempts).toEqual(Array(4).fill({ code: ErrorCode.SPAWN, reason: 'init_required' }));
      expect(report.facts).toMatchObject({ reason: 'init_required', cause: 'namespaces_refused' });
      expect(String((report.facts as { fix: string }).fix)).toContain('--init');
      expect(report.left).toEqual([]);
      expect(await eventually(() => markedProcesses(mark).length === 0, 5_000)).toBe(true);
    },
  );
});
