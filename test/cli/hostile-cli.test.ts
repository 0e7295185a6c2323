/**
 * The compiled CLI as a separate process against hostile inputs and outputs: a reader that goes
 * away (EPIPE), project files and snippet files that are FIFOs or devices. Each run has a
 * deadline, after which it is killed: a hang fails the test instead of stalling the suite.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateMathlibShaped } from '../../demo/lake/generate-mathlib-shaped.js';
import { EXIT_OUTPUT_CLOSED } from '../../src/cli/output.js';
import { ErrorCode } from '../../src/errors.js';
import { killRunning, runCli } from './cli-process.js';

const temps: string[] = [];
afterEach(async () => {
  killRunning();
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-hostile-cli-'));
  temps.push(dir);
  return dir;
}

/** Pids of live processes whose environment holds `marker`. */
function processesMarked(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // Gone, or another user's process.
    }
  }
  return pids;
}

describe('output to a reader that went away', () => {
  it('plan exits quietly with the SIGPIPE status', async () => {
    const root = path.join(await tempDir(), 'project');
    await generateMathlibShaped({ dir: root, modules: 300 });
    const run = await runCli(['plan', root], { closeStdout: true });
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(EXIT_OUTPUT_CLOSED);
    expect(run.stderr).toBe('');
  });

  it('check exits quietly with the SIGPIPE status and leaves no repl running', async () => {
    const marker = `FAKE_REPL_TEST_MARK=${randomUUID()}`;
    const [key, value] = marker.split('=') as [string, string];
    const snippets = Array.from({ length: 6 }, (_, i) => ['-e', `import Lean\n#eval ${i}\n`]).flat();
    const run = await runCli(['check', '--fake', ...snippets], {
      closeStdout: true,
      env: { [key]: value },
      deadlineMs: 30_000,
    });
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(EXIT_OUTPUT_CLOSED);
    expect(run.stderr).toBe('');
    expect(processesMarked(marker)).toEqual([]);
  });
});

describe('project and snippet files that are not regular files', () => {
  it('plan refuses a lake-manifest.json FIFO and a lean-toolchain device instead of reading them', async () => {
    for (const [name, make] of [
      ['lake-manifest.json', (file: string) => execFileSync('mkfifo', [file])],
      ['lean-toolchain', (file: string) => symlink('/dev/zero', file)],
    ] as const) {
      const root = await tempDir();
      execFileSync(
        'sh',
        ['-c', `printf '[[lean_lib]]\\nname = "Demo"\\n' > lakefile.toml && : > Demo.lean`],
        {
          cwd: root,
        },
      );
      await make(path.join(root, name));
      const run = await runCli(['plan', root]);
      expect(run.timedOut).toBe(false);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${ErrorCode.PLAN} (not-regular-file)`);
    }
  });

  it('check refuses a snippet file that is a FIFO as a failed input, not a usage error', async () => {
    const fifo = path.join(await tempDir(), 'snippet.lean');
    execFileSync('mkfifo', [fifo]);
    const run = await runCli(['check', '--fake', fifo]);
    expect(run.timedOut).toBe(false);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(ErrorCode.INVALID_ARGUMENT);
  });
});
