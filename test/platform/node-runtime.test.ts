/**
 * The Node runtime for JS children and helpers: this Node, or an Electron app run as Node (its
 * Helper on macOS), and the RunAsNode fuse read from a binary. Electron is not installed here:
 * the hosts are described, and the binaries are files with a fuse wire written into them.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { fuseFileOf, readRunAsNodeFuse } from '../../src/platform/electron-fuse.js';
import { checkNodeRuntime, nodeRuntime, nodeWorker } from '../../src/platform/node-runtime.js';
import { BASE_LAUNCH, drain, fixtureChild, startFailure, startSupervisor } from '../helpers/supervisor.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lwp-runtime-'));
  dirs.push(dir);
  return dir;
}

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** A file of `size` filler bytes with a version-1 fuse wire at `at` whose first state is `runAsNode`. */
function binary(file: string, size: number, at: number, runAsNode: number | null): string {
  mkdirSync(path.dirname(file), { recursive: true });
  const bytes = Buffer.alloc(size, 0x41);
  if (runAsNode !== null) {
    Buffer.from(SENTINEL, 'latin1').copy(bytes, at);
    bytes.set([1, 3, runAsNode, 0x31, 0x30], at + SENTINEL.length);
  }
  writeFileSync(file, bytes);
  return file;
}

describe('the Node runtime', () => {
  it('is this Node in Node, with nothing added to the environment', () => {
    expect(nodeRuntime()).toEqual({ host: 'node', command: process.execPath, env: {} });
    const worker = nodeWorker('/srv/child.js', ['--strict']);
    expect(worker).toEqual({ command: process.execPath, args: ['/srv/child.js', '--strict'], env: {} });
    // And it really runs a script.
    const run = spawnSync(worker.command, ['-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    expect(run.stdout).toBe('ran');
  });

  it('is the Electron app run as Node, and its Helper on macOS when the bundle has one', () => {
    const linux = { execPath: '/opt/App/app', platform: 'linux' as const, versions: { electron: '35.1.0' } };
    expect(nodeRuntime(linux)).toEqual({
      host: 'electron',
      command: '/opt/App/app',
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
    const root = tempDir();
    const exe = path.join(root, 'Prover.app', 'Contents', 'MacOS', 'Prover');
    const mac = { execPath: exe, platform: 'darwin' as const, versions: { electron: '35.1.0' } };
    // No Helper in the bundle: the app itself.
    expect(nodeRuntime(mac).command).toBe(exe);
    const helper = path.join(
      root,
      'Prover.app/Contents/Frameworks/Prover Helper.app/Contents/MacOS/Prover Helper',
    );
    binary(helper, 16, 0, null);
    expect(nodeWorker('/c.js', [], mac)).toEqual({
      command: helper,
      args: ['/c.js'],
      env: { ELECTRON_RUN_AS_NODE: '1' },
    });
  });
});

describe('the RunAsNode fuse', () => {
  it('reads the fuse wherever the wire sits, across the scan chunk boundary too', async () => {
    const dir = tempDir();
    const chunk = 4 << 20;
    for (const [at, state, expected] of [
      [100, 0x31, 'enabled'],
      [chunk - 10, 0x30, 'disabled'],
      [chunk + 5, 0x72, 'removed'],
    ] as const) {
      const file = binary(path.join(dir, `app-${at}`), chunk + 4096, at, state);
      expect(await readRunAsNodeFuse(file)).toBe(expected);
    }
    expect(await readRunAsNodeFuse(binary(path.join(dir, 'old-electron'), 4096, 0, null))).toBe('unknown');
  });

  it('looks in the Electron Framework of a macOS bundle', () => {
    const exe = '/Applications/Prover.app/Contents/MacOS/Prover';
    expect(fuseFileOf(exe)).toBe(
      '/Applications/Prover.app/Contents/Frameworks/Electron Framework.framework/Electron Framework',
    );
    expect(fuseFileOf('/opt/App/app')).toBe('/opt/App/app');
  });

  it('refuses an Electron app whose fuse is off with SPAWN and the fix, spawning nothing', async () => {
    const dir = tempDir();
    const off = binary(path.join(dir, 'off'), 8192, 64, 0x30);
    const host = { execPath: off, platform: 'linux' as const, versions: { electron: '35.1.0' } };
    const error = await checkNodeRuntime(host).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: ErrorCode.SPAWN,
      facts: { reason: 'run_as_node_disabled', command: off, fuse: 'disabled' },
    });
    expect((error as { facts: { fix: string } }).facts.fix).toContain('RunAsNode');
    const on = binary(path.join(dir, 'on'), 8192, 64, 0x31);
    await expect(checkNodeRuntime({ ...host, execPath: on })).resolves.toMatchObject({ host: 'electron' });
    await expect(checkNodeRuntime()).resolves.toMatchObject({ host: 'node' });
  });
});

/**
 * A simulated Electron: `process.versions.electron` and `process.execPath` stubbed, the "app" a
 * script that behaves as Node only under `ELECTRON_RUN_AS_NODE=1` and otherwise records that a
 * second copy of the app started.
 */
describe('the Node runtime in a simulated Electron', () => {
  function simulateElectron(): { app: string; secondCopies: string } {
    const dir = tempDir();
    const app = path.join(dir, 'Prover');
    const secondCopies = path.join(dir, 'second-copies');
    writeFileSync(
      app,
      `#!/bin/sh\nif [ "$ELECTRON_RUN_AS_NODE" = "1" ]; then exec '${process.execPath}' "$@"; fi\n` +
        `echo started >> '${secondCopies}'\necho 'a second copy of the app started' >&2\nexit 9\n`,
    );
    chmodSync(app, 0o755);
    const execPath = process.execPath;
    const versions = process.versions;
    Object.defineProperty(process, 'versions', {
      value: { ...versions, electron: '35.2.0' },
      configurable: true,
    });
    process.execPath = app;
    onTestFinished(() => {
      Object.defineProperty(process, 'versions', { value: versions, configurable: true });
      process.execPath = execPath;
    });
    return { app, secondCopies };
  }

  it('runs a JS worker child through the app as Node, and nothing starts a second copy of the app', async () => {
    const { app, secondCopies } = simulateElectron();
    expect(nodeRuntime()).toEqual({ host: 'electron', command: app, env: { ELECTRON_RUN_AS_NODE: '1' } });
    // No fuse wire in the script: the fuse is unknown, not off.
    await expect(checkNodeRuntime()).resolves.toMatchObject({ host: 'electron', command: app });
    const worker = nodeWorker(fixtureChild('test-child'), ['--lenient']);
    expect(worker.command).toBe(app);
    const sup = await startSupervisor({ command: worker.command, args: worker.args }, [], {
      launch: { env: { ...BASE_LAUNCH.env, ...worker.env } },
    });
    const { rows, error } = await drain(sup.stream('rows', { count: 5 }).stream);
    expect(error).toBeNull();
    expect(rows).toHaveLength(5);
    await sup.handle.shutdown('graceful');
    // The watchdog and everything else this process started so far ran without the app.
    expect(existsSync(secondCopies)).toBe(false);
  });

  it('shows what running execPath without the runtime did: a second copy of the app, not a child', async () => {
    const { secondCopies } = simulateElectron();
    const { error } = await startFailure({ command: process.execPath, args: [fixtureChild('test-child')] });
    expect([ErrorCode.CHILD_EXIT, ErrorCode.CHILD_CRASH, ErrorCode.HANDSHAKE]).toContain(error.code);
    expect(String(error.facts.stderrTail)).toContain('a second copy of the app started');
    expect(readFileSync(secondCopies, 'utf8')).toBe('started\n');
  });
});
