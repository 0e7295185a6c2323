/**
 * `pool.check(builder)` reads the project's lakefile on the main thread: a FIFO or a device is
 * refused before any read (the check never waits on it), and a lakefile past the project file
 * cap is refused before it is parsed. Both are findings, never a throw.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BootstrapCode } from '../../src/capability/bootstrap.js';
import { LeanWorkerCapabilityBuilder } from '../../src/capability/builder.js';
import { DEFAULT_MAX_PROJECT_FILE_BYTES } from '../../src/lake/read-file.js';
import { fixturePath } from '../../src/worker/paths.js';
import { makePool } from '../pool/helpers.js';

const temps: string[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function project(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'lwp-hostile-check-'));
  temps.push(root);
  await writeFile(path.join(root, 'Demo.lean'), '');
  return root;
}

function builder(root: string): LeanWorkerCapabilityBuilder {
  return new LeanWorkerCapabilityBuilder({
    projectRoot: root,
    package: 'demo',
    libName: 'Demo',
    imports: ['Demo'],
    worker: { command: process.execPath, args: [fixturePath('children/test-child')] },
  });
}

const lakefileFindings = (report: { errors: readonly { code: string; subject: string }[] }, file: string) =>
  report.errors.filter((c) => c.code === BootstrapCode.CAPABILITY_PREFLIGHT && c.subject === file);

describe('pool.check on hostile lakefiles', () => {
  it('refuses a lakefile that is a FIFO without waiting for a writer', async () => {
    const root = await project();
    const lakefile = path.join(root, 'lakefile.lean');
    execFileSync('mkfifo', [lakefile]);
    // A writer that keeps answering any reader that waits on the FIFO with a valid lakefile.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        "setInterval(() => require('fs').writeFileSync(process.argv[1], 'lean_lib Demo\\n'), 1000)",
        lakefile,
      ],
      { stdio: 'ignore' },
    );
    children.push(writer);
    const report = await makePool().check(builder(root));
    expect(report.ok).toBe(false);
    expect(report.probed).toBe(false);
    expect(lakefileFindings(report, lakefile)).toHaveLength(1);
  });

  it('refuses a lakefile that is a device', async () => {
    const root = await project();
    const lakefile = path.join(root, 'lakefile.lean');
    await symlink('/dev/zero', lakefile);
    const report = await makePool().check(builder(root));
    expect(lakefileFindings(report, lakefile)).toHaveLength(1);
  });

  it('refuses a lakefile past the project file cap before parsing it', async () => {
    const root = await project();
    const lakefile = path.join(root, 'lakefile.lean');
    const line = '-- padding padding padding padding padding padding padding padding\n';
    const copies = Math.ceil(DEFAULT_MAX_PROJECT_FILE_BYTES / line.length) + 1;
    await writeFile(lakefile, `lean_lib Demo\n${line.repeat(copies)}`);
    const report = await makePool().check(builder(root));
    expect(lakefileFindings(report, lakefile)).toHaveLength(1);
  });
});
