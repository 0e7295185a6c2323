/**
 * Finding the file a worker command names, before spawning: execvp's rule on POSIX (on real
 * files), and Windows' `PATHEXT` search (on a described file system).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { executableCandidates, resolveExecutable } from '../../threads/platform/executable.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('executable lookup on POSIX', () => {
  it('searches PATH for a bare name and tells a missing file from one that cannot run', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lwp-exe-'));
    dirs.push(root);
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'lake'), '#!/bin/sh\n');
    chmodSync(path.join(bin, 'lake'), 0o755);
    writeFileSync(path.join(bin, 'lean'), 'not executable');
    chmodSync(path.join(bin, 'lean'), 0o644);
    const env = { PATH: `${path.join(root, 'empty')}:${bin}` };
    expect(resolveExecutable('lake', env, root, false)).toBe(path.join(bin, 'lake'));
    expect(resolveExecutable('./bin/lake', env, root, false)).toBe(path.join(bin, 'lake'));
    expect(() => resolveExecutable('lean', env, root, false)).toThrow(
      expect.objectContaining({ code: 'EACCES', syscall: 'spawn' }),
    );
    expect(() => resolveExecutable('lake.exe', env, root, false)).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });
});

describe('executable lookup on Windows', () => {
  const env = { Path: 'C:\\elan\\bin;;C:\\tools', PATHEXT: '.COM;.EXE;.BAT;.CMD' };

  it('tries each PATHEXT extension in each Path directory, reading Path whatever its case', () => {
    expect(executableCandidates('lake', env, 'C:\\work', true)).toEqual([
      'C:\\elan\\bin\\lake.com',
      'C:\\elan\\bin\\lake.exe',
      'C:\\elan\\bin\\lake.bat',
      'C:\\elan\\bin\\lake.cmd',
      'C:\\tools\\lake.com',
      'C:\\tools\\lake.exe',
      'C:\\tools\\lake.bat',
      'C:\\tools\\lake.cmd',
    ]);
    // A name that carries one of the extensions is tried as it is.
    expect(executableCandidates('lake.EXE', env, 'C:\\work', true)).toEqual([
      'C:\\elan\\bin\\lake.EXE',
      'C:\\tools\\lake.EXE',
    ]);
    // A path is resolved against the working directory, and the working directory is not searched.
    expect(executableCandidates('.\\bin\\child', { PATHEXT: '.EXE' }, 'C:\\work', true)).toEqual([
      'C:\\work\\bin\\child.exe',
    ]);
    expect(executableCandidates('D:/kit/child.exe', {}, 'C:\\work', true)).toEqual(['D:/kit/child.exe']);
  });

  it('uses the default PATHEXT when the environment has none, and finds lake.exe', () => {
    const files = new Set(['C:\\elan\\bin\\lake.exe']);
    const probe = { isFile: (f: string) => files.has(f), executable: (f: string) => files.has(f) };
    expect(resolveExecutable('lake', { PATH: 'C:\\elan\\bin' }, 'C:\\', true, probe)).toBe(
      'C:\\elan\\bin\\lake.exe',
    );
  });

  it('refuses a batch file with EINVAL (it would need cmd.exe), even earlier on Path than an exe', () => {
    const files = new Set(['C:\\elan\\bin\\lake.cmd', 'C:\\tools\\lake.exe']);
    const probe = { isFile: (f: string) => files.has(f), executable: () => true };
    expect(() => resolveExecutable('lake', env, 'C:\\', true, probe)).toThrow(
      expect.objectContaining({ code: 'EINVAL', path: 'C:\\elan\\bin\\lake.cmd' }),
    );
  });
});
