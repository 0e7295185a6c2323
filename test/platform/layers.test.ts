/**
 * The platform layers through a fake process runner: which mechanisms each platform chooses, the
 * commands the macOS and Windows layers would run, the figures they report from what those
 * commands answer, and what they do when a command fails. Neither macOS nor Windows runs here.
 */
import { describe, expect, it } from 'vitest';
import { layerOf, mechanismsOf, treeKillPlan } from '../../src/protocol/platform.js';
import { findSetpriv, platformFor, windowsPlatform } from '../../threads/platform/layer.js';
import { PS_ARGS, PS_COMMAND, parsePsListing, treeOf } from '../../threads/platform/tree-memory.js';
import { fakeRunner, settle } from './fake-runner.js';

const LINUX = { platform: 'linux', portable: false, setpriv: true, proc: true };
const MAC = { platform: 'darwin', portable: false, setpriv: false, proc: false };
const WINDOWS = { platform: 'win32', portable: false, setpriv: false, proc: false };

describe('platform mechanisms', () => {
  it('chooses a layer per platform, and the Linux layer falls back piece by piece', () => {
    expect(['linux', 'android', 'darwin', 'freebsd', 'win32'].map(layerOf)).toEqual([
      'linux',
      'linux',
      'macos',
      'macos',
      'windows',
    ]);
    expect(mechanismsOf(LINUX)).toEqual({
      layer: 'linux',
      portable: false,
      spawnGuard: 'setpriv-pdeathsig',
      kill: 'process-group',
      memoryReading: 'proc',
      orphanGuard: 'pdeathsig-and-watchdog',
    });
    expect(mechanismsOf({ ...LINUX, setpriv: false })).toMatchObject({
      portable: true,
      spawnGuard: 'process-group-watchdog',
      memoryReading: 'proc',
      orphanGuard: 'watchdog',
    });
    expect(mechanismsOf({ ...LINUX, proc: false })).toMatchObject({
      portable: true,
      spawnGuard: 'setpriv-pdeathsig',
      memoryReading: 'pidusage',
    });
    // LEAN_WORKER_PORTABLE: neither, whatever is installed.
    expect(mechanismsOf({ ...LINUX, portable: true })).toMatchObject({
      spawnGuard: 'process-group-watchdog',
      memoryReading: 'pidusage',
      orphanGuard: 'watchdog',
    });
    expect(mechanismsOf(MAC)).toEqual({
      layer: 'macos',
      portable: false,
      spawnGuard: 'process-group-watchdog',
      kill: 'process-group',
      memoryReading: 'pidusage',
      orphanGuard: 'watchdog',
    });
    expect(mechanismsOf(WINDOWS)).toEqual({
      layer: 'windows',
      portable: false,
      spawnGuard: 'job-object',
      kill: 'taskkill-tree',
      memoryReading: 'pidusage',
      orphanGuard: 'job-object',
    });
    // A platform pidusage cannot read has no memory reading, and says so.
    expect(mechanismsOf({ ...MAC, platform: 'haiku' }).memoryReading).toBe('none');
  });

  it('kills a POSIX tree by its group and a Windows tree with taskkill at its absolute path', () => {
    expect(treeKillPlan('linux', 42)).toEqual({ kind: 'group', target: -42 });
    expect(treeKillPlan('macos', 42)).toEqual({ kind: 'group', target: -42 });
    expect(treeKillPlan('windows', 42, 'D:\\Win\\')).toEqual({
      kind: 'command',
      file: 'D:\\Win\\System32\\taskkill.exe',
      args: ['/T', '/F', '/PID', '42'],
    });
    expect(treeKillPlan('windows', 7)).toMatchObject({ file: 'C:\\Windows\\System32\\taskkill.exe' });
  });
});

describe('the Linux layer', () => {
  it('runs children under setpriv when it has one, and directly on the portable path', () => {
    const runner = fakeRunner();
    const argv = ['/opt/child', '--x'];
    const setpriv = platformFor(LINUX, runner, '/usr/bin/setpriv');
    expect(setpriv.spawnPlan(argv, {}, '/')).toEqual({
      file: '/usr/bin/setpriv',
      args: ['--pdeathsig', 'SIGKILL', '--', '/opt/child', '--x'],
      detached: true,
    });
    const portable = platformFor({ ...LINUX, portable: true }, runner, '/usr/bin/setpriv');
    expect(portable.spawnPlan(argv, {}, '/')).toEqual({ file: '/opt/child', args: ['--x'], detached: true });
    // This machine has setpriv (the CI image installs util-linux).
    expect(findSetpriv()).toMatch(/setpriv$/);
    expect(findSetpriv('darwin')).toBeNull();
  });
});

describe('the macOS layer (fake runner)', () => {
  const listing = [
    '  1     0     1',
    ' 500     1   500', // the child, leading its group
    ' 501   500   500', // lake
    ' 502   501   500', // lean under lake
    ' 600   500   600', // a descendant in a group of its own
    ' 700     1   500', // an orphan of the tree, reparented but still in the group
    ' 800     1   800', // someone else
    'garbage line',
  ].join('\n');

  it('spawns detached with no setpriv, and kills the group', () => {
    const runner = fakeRunner();
    const mac = platformFor(MAC, runner, '/usr/bin/setpriv');
    expect(mac.spawnPlan(['/opt/child'], {}, '/')).toEqual({ file: '/opt/child', args: [], detached: true });
    // A process group outlives its leader: descendants holding stdout are still reached.
    expect(mac.treeOutlivesChild).toBe(true);
    let direct = 0;
    mac.killTree(500, 'SIGKILL', () => direct++);
    expect(runner.signals).toEqual([[-500, 'SIGKILL']]);
    expect(direct).toBe(0);
  });

  it('kills the child alone when its group is gone', () => {
    const runner = fakeRunner({ signalError: Object.assign(new Error('ESRCH'), { code: 'ESRCH' }) });
    let direct = 0;
    platformFor(MAC, runner, null).killTree(500, 'SIGTERM', () => direct++);
    expect(runner.signals).toEqual([[-500, 'SIGTERM']]);
    expect(direct).toBe(1);
  });

  it('reads the tree from one ps listing and its memory from pidusage', async () => {
    const tree = treeOf(parsePsListing(listing), 500);
    expect(tree[0]).toBe(500);
    expect([...tree].sort()).toEqual([500, 501, 502, 600, 700]);
    const runner = fakeRunner({
      run: { code: 0, stdout: listing, stderr: '' },
      usage: { 500: 100 << 20, 501: 20 << 20, 502: 300 << 20, 600: 1 << 20 }, // 700 is gone
    });
    const sample = await platformFor(MAC, runner, null).sampleTree(500, true);
    expect(runner.commands).toEqual([[PS_COMMAND, PS_ARGS]]);
    expect(runner.usageCalls).toEqual([tree]);
    expect(sample).toMatchObject({
      available: true,
      source: 'pidusage',
      processes: 4,
      rssKib: 421 * 1024,
      privateKib: 421 * 1024,
      rssAnonKib: null,
      pssKib: null,
    });
  });

  it('measures the child alone when ps fails, and reports no figure when pidusage fails', async () => {
    const noPs = fakeRunner({ run: new Error('spawn /bin/ps ENOENT'), usage: { 500: 2048 } });
    const alone = await platformFor(MAC, noPs, null).sampleTree(500, false);
    expect(noPs.usageCalls).toEqual([[500]]);
    expect(alone).toMatchObject({ available: true, processes: 1, rssKib: 2 });
    const psExit = fakeRunner({
      run: { code: 1, stdout: '', stderr: 'ps: bad option' },
      usage: { 500: 1024 },
    });
    await platformFor(MAC, psExit, null).sampleTree(500, false);
    expect(psExit.usageCalls).toEqual([[500]]);
    const broken = fakeRunner({
      run: { code: 0, stdout: listing, stderr: '' },
      usage: new Error('ps exited 1'),
    });
    expect(await platformFor(MAC, broken, null).sampleTree(500, false)).toMatchObject({
      available: false,
      source: 'pidusage',
      processes: 0,
    });
    const gone = fakeRunner({ run: { code: 0, stdout: '', stderr: '' }, usage: {} });
    expect((await platformFor(MAC, gone, null).sampleTree(500, false)).available).toBe(false);
  });

  it('reports no reading at all where pidusage cannot read the platform', async () => {
    const runner = fakeRunner({ usage: { 500: 1024 } });
    const sample = await platformFor({ ...MAC, platform: 'haiku' }, runner, null).sampleTree(500, false);
    expect(sample).toMatchObject({ available: false, source: 'none' });
    expect(runner.usageCalls).toEqual([]);
  });
});

describe('the Windows layer (fake runner)', () => {
  const files = new Set(['C:\\elan\\bin\\lake.exe', 'C:\\tools\\build.cmd']);
  const probe = { isFile: (f: string) => files.has(f), executable: (f: string) => files.has(f) };
  const env = { Path: 'C:\\tools;C:\\elan\\bin', PATHEXT: '.COM;.EXE;.BAT;.CMD' };

  it('spawns the file PATHEXT finds, not detached, and refuses batch files', () => {
    const win = windowsPlatform(mechanismsOf(WINDOWS), fakeRunner(), 'C:\\Windows', probe);
    expect(win.spawnPlan(['lake', 'env'], env, 'C:\\work')).toEqual({
      file: 'C:\\elan\\bin\\lake.exe',
      args: ['env'],
      detached: false,
    });
    expect(() => win.spawnPlan(['build'], env, 'C:\\work')).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    expect(() => win.spawnPlan(['lean'], env, 'C:\\work')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });

  it('kills the tree with taskkill, and the child alone when taskkill fails or cannot start', async () => {
    const ok = fakeRunner({ run: { code: 0, stdout: 'SUCCESS', stderr: '' } });
    let direct = 0;
    windowsPlatform(mechanismsOf(WINDOWS), ok, 'C:\\Windows').killTree(4242, 'SIGKILL', () => direct++);
    await settle();
    expect(ok.commands).toEqual([['C:\\Windows\\System32\\taskkill.exe', ['/T', '/F', '/PID', '4242']]]);
    expect(ok.signals).toEqual([]);
    expect(direct).toBe(0);
    // taskkill finds a tree through its live root only.
    expect(windowsPlatform(mechanismsOf(WINDOWS), ok, undefined).treeOutlivesChild).toBe(false);
    // 128: no such process.
    const notFound = fakeRunner({ run: { code: 128, stdout: '', stderr: 'ERROR: not found' } });
    windowsPlatform(mechanismsOf(WINDOWS), notFound, undefined).killTree(1, 'SIGKILL', () => direct++);
    const missing = fakeRunner({ run: new Error('spawn taskkill.exe ENOENT') });
    windowsPlatform(mechanismsOf(WINDOWS), missing, undefined).killTree(2, 'SIGKILL', () => direct++);
    await settle();
    expect(direct).toBe(2);
  });

  it('reads the child memory through pidusage, with no tree listing', async () => {
    const runner = fakeRunner({ usage: { 4242: 512 << 20 } });
    const sample = await windowsPlatform(mechanismsOf(WINDOWS), runner, undefined).sampleTree(4242, true);
    expect(runner.commands).toEqual([]);
    expect(runner.usageCalls).toEqual([[4242]]);
    expect(sample).toMatchObject({ available: true, source: 'pidusage', processes: 1, rssKib: 512 * 1024 });
    const failing = fakeRunner({ usage: new Error('wmic is not recognized') });
    expect(
      await windowsPlatform(mechanismsOf(WINDOWS), failing, undefined).sampleTree(4242, false),
    ).toMatchObject({ available: false, source: 'pidusage' });
  });
});
