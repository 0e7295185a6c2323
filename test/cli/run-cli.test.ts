/**
 * `lean-worker run` end to end as a separate process, on child-kit fixture children (no Lean
 * toolchain): a stream's rows as NDJSON on stdout and its summary on stderr or as the last line
 * with `--json`, a JSON command's response, imports kept in order, a failing export (exit 1 with
 * its error code), usage errors (exit 2), missing files (exit 1), a reader that goes away (quiet
 * exit 141). Every child gets a unique marker argument; none is left running after a run.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageCode } from '../../src/cli/flags.js';
import { EXIT_OUTPUT_CLOSED } from '../../src/cli/output.js';
import type { RunSummary } from '../../src/cli/run.js';
import { ErrorCode } from '../../src/errors.js';
import { type CliRun, killRunning, processesWithArg, runCli } from './cli-process.js';

const CHILDREN = path.resolve(import.meta.dirname, '../../dist/fixtures/children');
const temps: string[] = [];
afterEach(async () => {
  killRunning();
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Run `lean-worker run` on a child-kit fixture child; checks that no child outlives the run. */
async function run(child: string, args: readonly string[], options: { closeStdout?: boolean } = {}) {
  const marker = `--run-cli-test=${randomUUID()}`;
  const result = await runCli(
    ['run', '--child-kit', '--child', path.join(CHILDREN, `${child}.js`), '--child-arg', marker, ...args],
    { deadlineMs: 30_000, ...options },
  );
  expect(result.timedOut).toBe(false);
  expect(processesWithArg(marker)).toEqual([]);
  return result;
}

const lines = (r: CliRun) =>
  r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('lean-worker run: a data stream', () => {
  it('prints rows as NDJSON on stdout and the summary on stderr', async () => {
    const r = await run('chatty-child', ['--export', 'count', '--request', '{"n":3}']);
    expect(r.status).toBe(EXIT_OK);
    expect(lines(r)).toEqual([0, 1, 2].map((i) => ({ stream: 'numbers', sequence: i, payload: { i } })));
    expect(r.stderr).toContain('ok');
  });

  it('with --json, ends stdout with the summary', async () => {
    const r = await run('chatty-child', ['--export', 'count', '--request', '{"n":2}', '--json']);
    expect(r.status).toBe(EXIT_OK);
    const out = lines(r);
    expect(out).toHaveLength(3);
    expect(out[2]).toMatchObject({
      summary: { ok: true, export: 'count', kind: 'stream', rows: 2, metadata: { rows: 2 }, error: null },
    });
  });

  it('reads the request from a file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lwp-run-cli-'));
    temps.push(dir);
    const file = path.join(dir, 'request.json');
    await writeFile(file, '{"n":4}');
    const r = await run('chatty-child', ['--export', 'count', '--request-file', file]);
    expect(r.status).toBe(EXIT_OK);
    expect(lines(r)).toHaveLength(4);
  });

  it('fails with exit 1 and the error code when the export fails', async () => {
    const r = await run('test-child', [
      '--child-arg',
      '--lenient',
      '--export',
      'throws',
      '--request',
      '{"rows":2}',
      '--json',
    ]);
    expect(r.status).toBe(EXIT_FAILED);
    expect(r.stderr).toContain(`lean-worker run: ${ErrorCode.WORKER}: `);
    const summary = (lines(r).at(-1) as { summary: RunSummary }).summary;
    expect(summary).toMatchObject({ ok: false, error: { code: ErrorCode.WORKER } });
  });

  it('stops quietly when the reader of stdout goes away', async () => {
    const r = await run(
      'fast-rows',
      ['--child-arg', '--lenient', '--export', 'rows', '--request', '{"count":10000000}'],
      { closeStdout: true },
    );
    expect(r.status).toBe(EXIT_OUTPUT_CLOSED);
    expect(r.stderr).toBe('');
  });
});

describe('lean-worker run: a JSON command', () => {
  it('prints the response as one line', async () => {
    const r = await run('chatty-child', ['--export', 'echo', '--kind', 'json', '--request', '{"a":[1,2]}']);
    expect(r.status).toBe(EXIT_OK);
    expect(lines(r)).toEqual([{ echo: { a: [1, 2] } }]);
  });

  it('opens the session with the imports in the order given', async () => {
    const r = await run('test-child', [
      '--child-arg',
      '--lenient',
      '--export',
      'session_info',
      '--kind',
      'json',
      '--import',
      'Zeta',
      '--import',
      'Alpha',
    ]);
    expect(r.status).toBe(EXIT_OK);
    expect(lines(r)[0]).toMatchObject({ key: { imports: ['Zeta', 'Alpha'] } });
  });
});

describe('lean-worker run: usage errors and missing files', () => {
  it.each([
    [[], UsageCode.MISSING_ARGUMENT],
    [['--export', 'count', '--kind', 'table'], UsageCode.BAD_VALUE],
    [['--export', 'count', '--request', '{'], UsageCode.BAD_VALUE],
    [['--export', 'count', '--request', '{}', '--request-file', 'x.json'], UsageCode.CONFLICTING_FLAGS],
    [['--export', 'count', '--timeout-ms', '-5'], UsageCode.MISSING_VALUE],
    [['--export', 'count', '--timeout-ms', 'soon'], UsageCode.BAD_VALUE],
    [['--export', 'count', 'extra'], UsageCode.UNEXPECTED_ARGUMENT],
  ])('%j is a usage error (exit 2)', async (args, code) => {
    const r = await run('chatty-child', args);
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toContain(`lean-worker run: ${code}: `);
    expect(r.stdout).toBe('');
  });

  it('needs --child with --child-kit, and --lib without it', async () => {
    for (const args of [
      ['--child-kit', '--export', 'count'],
      ['--export', 'count'],
    ]) {
      const r = await runCli(['run', ...args]);
      expect(r.status).toBe(EXIT_USAGE);
      expect(r.stderr).toContain(UsageCode.MISSING_ARGUMENT);
    }
  });

  it('fails (exit 1) on a missing request file or child, with INVALID_ARGUMENT', async () => {
    const missing = path.join(os.tmpdir(), 'lwp-no-such-dir', 'x');
    const request = await run('chatty-child', ['--export', 'count', '--request-file', `${missing}.json`]);
    expect(request.status).toBe(EXIT_FAILED);
    expect(request.stderr).toContain(ErrorCode.INVALID_ARGUMENT);
    const child = await runCli(['run', '--child-kit', '--child', `${missing}.js`, '--export', 'count']);
    expect(child.status).toBe(EXIT_FAILED);
    expect(child.stderr).toContain(ErrorCode.INVALID_ARGUMENT);
  });
});
