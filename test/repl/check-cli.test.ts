/**
 * `lean-worker check` against the fake repl: a generated corpus of 500 snippets over five headers
 * (each spelled several ways), with crashes and hangs injected by the corpus itself, checked in
 * parallel on warm workers; every result is compared with the generator's expectation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../fixtures/repl/snippet-corpus.js';
import { checkCommand } from '../../src/cli/check.js';
import type { CheckResult } from '../../src/cli/check-run.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageCode } from '../../src/cli/flags.js';
import { ErrorCode } from '../../src/errors.js';

function io(isTTY = false) {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t), isTTY },
    },
  };
}

const positions = (list: readonly { line: number; column: number }[]) =>
  list.map(({ line, column }) => ({ line, column }));

describe('lean-worker check', () => {
  it('checks 500 generated snippets on warm workers with the results the generator expects', {
    timeout: 90_000,
  }, async () => {
    const corpus = generateCorpus(500, 7);
    expect(corpus.sessionKeys).toHaveLength(5);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'lwp-check-')), 'corpus.json');
    writeFileSync(file, JSON.stringify(corpus));
    const run = io();
    const status = await checkCommand(
      [file, '--fake', '--json', '--workers', '2', '--timeout-ms', '400', '--header-timeout-ms', '10000'],
      run.io,
      { ...process.env, FAKE_REPL_IMPORT_MS: '20' },
    );
    expect(status).toBe(1);
    const report = JSON.parse(run.out.stdout) as {
      items: CheckResult[];
      totals: Record<string, number>;
      workers: { [k: string]: number; coldOpens: number };
    };
    expect(report.items).toHaveLength(500);
    const injected = { crash: 0, hang: 0 };
    corpus.snippets.forEach((snippet, i) => {
      const got = report.items[i]!;
      const want = snippet.expected;
      expect(got.id).toBe(snippet.id);
      if (want.outcome === 'crash' || want.outcome === 'hang') {
        injected[want.outcome] += 1;
        expect({ id: got.id, status: got.status }).toEqual({
          id: snippet.id,
          status: want.outcome === 'crash' ? 'crash' : 'timeout',
        });
        return;
      }
      expect({ id: got.id, ok: got.ok, status: got.status }).toEqual({
        id: snippet.id,
        ok: want.ok,
        status: want.ok ? 'ok' : 'errors',
      });
      expect(positions(got.errors)).toEqual(want.errors);
      expect(positions(got.warnings)).toEqual(want.warnings);
      expect(positions(got.sorries)).toEqual(want.sorries);
    });
    expect(injected.crash).toBeGreaterThan(0);
    expect(injected.hang).toBeGreaterThan(0);
    expect(report.totals).toMatchObject({ snippets: 500, crash: injected.crash, timeout: injected.hang });
    // Warm reuse: a handful of workers served all 500 checks; crashes and deadlines restarted them.
    expect(report.workers.headers).toBe(5);
    expect(report.workers.coldOpens).toBeLessThanOrEqual(12);
    expect(report.workers.warmHits).toBe(500 - report.workers.coldOpens);
    expect(report.workers.timeoutRestarts).toBe(injected.hang);
    expect(report.workers.crashRestarts).toBe(injected.crash);
    expect(report.workers.quarantinedKeys).toBe(0);
  });

  it('prints per-item results and totals, with a progress line only on a TTY', async () => {
    const args = [
      '--fake',
      '-e',
      'import Lean\n\n#eval 1\n',
      '-e',
      'import Lean\n\nexample : Nat := error_here\n',
    ];
    const tty = io(true);
    expect(await checkCommand(args, tty.io)).toBe(1);
    // The fake's results are labelled as the fake's, on every line that reports one.
    expect(tty.out.stdout).toMatch(/^fake checker: /);
    expect(tty.out.stdout).toContain('snippet-1: ok [fake]\n');
    expect(tty.out.stdout).toContain(
      'snippet-2: errors [fake]\n  3:17 error: Unknown identifier `error_here`\n',
    );
    expect(tty.out.stdout).toMatch(/checked 2 snippets with the fake checker in [\d.]+ s: 1 ok, 1 errors\n/);
    expect(tty.out.stderr).toContain('2/2');
    const pipe = io(false);
    expect(await checkCommand([...args, '--workers', '1'], pipe.io)).toBe(1);
    expect(pipe.out.stderr).toBe('');
    expect(await checkCommand(['--fake', '-e', 'import Lean\n\n#eval 1\n'], io().io)).toBe(0);
  });

  it('refuses to run without a named repl, and on bad options, as usage errors with their codes', async () => {
    for (const [args, code] of [
      [['-e', '#eval 1'], UsageCode.MISSING_ARGUMENT],
      [['--fake'], UsageCode.MISSING_ARGUMENT],
      [['--fake', '-e', 'x', '--workers', '0'], UsageCode.BAD_VALUE],
      [['--bogus'], UsageCode.UNKNOWN_FLAG],
      [['--fake', '-e', 'x', '--repl'], UsageCode.MISSING_VALUE],
      [['-e', 'x', '--repl', '[1'], UsageCode.BAD_VALUE],
      [['--fake', '-e', 'x', '--repl', 'repl'], UsageCode.CONFLICTING_FLAGS],
    ] as const) {
      const run = io();
      expect(await checkCommand(args, run.io)).toBe(EXIT_USAGE);
      expect(run.out.stderr).toContain(`lean-worker check: ${code}: `);
      expect(run.out.stderr).not.toMatch(/ERR_PARSE_ARGS|Unknown option/);
    }
  });

  it("labels the JSON report as the fake checker's", async () => {
    const run = io();
    expect(await checkCommand(['--fake', '--json', '-e', 'import Lean\n\n#eval 1\n'], run.io)).toBe(EXIT_OK);
    expect(JSON.parse(run.out.stdout)).toMatchObject({ checker: 'fake' });
  });

  it('treats a missing snippet file as a failure (exit 1), not a usage error', async () => {
    const run = io();
    expect(await checkCommand([path.join(tmpdir(), 'lwp-no-such-dir', 'x.lean'), '--fake'], run.io)).toBe(
      EXIT_FAILED,
    );
    expect(run.out.stderr).toContain(`lean-worker check: ${ErrorCode.INVALID_ARGUMENT}: `);
  });

  it('fails (exit 1) on a snippet list that is null, a number or has entries without text, as INVALID_ARGUMENT', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lwp-check-json-'));
    try {
      for (const [name, text] of [
        ['null.json', 'null'],
        ['number.json', '5'],
        ['null-list.json', '{"snippets": null}'],
        ['null-entry.json', '[null]'],
        ['broken.json', '[1,'],
      ] as const) {
        const file = path.join(dir, name);
        writeFileSync(file, text);
        const run = io();
        expect(await checkCommand([file, '--fake'], run.io)).toBe(EXIT_FAILED);
        expect(run.out.stderr).toContain(`lean-worker check: ${ErrorCode.INVALID_ARGUMENT}: `);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the restart intensity from the command line: a crash loop quarantines, scattered crashes do not', {
    timeout: 60_000,
  }, async () => {
    const snippet = (body: string) => `import Lean\n\n${body}\n`;
    const policy = [
      '--fake',
      '--json',
      '--workers',
      '1',
      '--max-restarts',
      '2',
      '--restart-window-ms',
      '60000',
    ];
    const loop = ['#crash', '#crash', '#crash', '#eval 1', '#eval 2'].flatMap((b) => ['-e', snippet(b)]);
    const looped = io();
    expect(await checkCommand([...loop, ...policy], looped.io)).toBe(1);
    const loopReport = JSON.parse(looped.out.stdout) as { items: CheckResult[] };
    expect(loopReport.items.map((r) => r.code)).toEqual([
      ErrorCode.CHILD_CRASH,
      ErrorCode.CHILD_CRASH,
      ErrorCode.CHILD_CRASH,
      ErrorCode.QUARANTINED,
      ErrorCode.QUARANTINED,
    ]);
    const bodies = Array.from({ length: 12 }, (_, i) => (i % 2 === 1 ? '#crash' : `#eval ${i}`));
    const scattered = io();
    expect(await checkCommand([...bodies.flatMap((b) => ['-e', snippet(b)]), ...policy], scattered.io)).toBe(
      1,
    );
    const report = JSON.parse(scattered.out.stdout) as {
      items: CheckResult[];
      workers: { quarantinedKeys: number };
    };
    expect(report.items.map((r) => r.status)).toEqual(bodies.map((b) => (b === '#crash' ? 'crash' : 'ok')));
    expect(report.workers.quarantinedKeys).toBe(0);
  });
});
