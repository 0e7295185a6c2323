/**
 * `lean-worker check <files...> [-e snippet]...`: check Lean snippets in parallel on warm
 * leanprover-community repl workers, one warm worker per import header, and print each result
 * (ok, or its errors with positions) and totals; `--json` for machines. The repl is named by
 * `--repl`, `--project` or `--fake`, and never run through a shell.
 */
import { nodeWorker } from '../platform/node-runtime.js';
import { LeanWorkerPool } from '../pool/pool.js';
import { LeanReplBuilder } from '../repl/builder.js';
import { compiledPath } from '../worker/paths.js';
import {
  CHECK_STATUSES,
  type CheckItem,
  type CheckResult,
  type CheckStatus,
  checkAll,
  readSnippetInput,
} from './check-run.js';
import {
  type CliIo,
  CliUsageError,
  commandLine,
  EXIT_FAILED,
  EXIT_OK,
  type FlagSpec,
  type FlagValues,
  listFlag,
  positiveInt,
  readCommandLine,
  stringFlag,
  UsageCode,
} from './flags.js';

/** Where `check` writes; the progress line is drawn on stderr when it is a TTY. */
type Io = CliIo & { readonly stderr: { readonly isTTY?: boolean } };

const WIDTH = 30;

/**
 * The progress line, redrawn in place on a TTY after each snippet (at most ten times a second,
 * driven by results, never by a timer). Nothing is drawn off a TTY or with `stderr` null.
 */
function checkProgress(stderr: Io['stderr'] | null, total: number) {
  const out = stderr?.isTTY ? stderr : null;
  const began = performance.now();
  const c = Object.fromEntries(CHECK_STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  let drawnAt = 0;
  let drawn = false;
  const line = (done: number) => {
    const full = Math.round((total === 0 ? 1 : done / total) * WIDTH);
    const failed = c.timeout + c.crash + c.header_failed + c.failed;
    const seconds = ((performance.now() - began) / 1000).toFixed(1);
    return `[${'#'.repeat(full)}${'.'.repeat(WIDTH - full)}] ${done}/${total}  ok ${c.ok}  errors ${c.errors}  failed ${failed}  ${seconds} s`;
  };
  return {
    /** Count one result and redraw when due. */
    add(result: CheckResult, done: number): void {
      c[result.status] += 1;
      const now = performance.now();
      if (out === null || (now - drawnAt < 100 && done < total)) return;
      drawnAt = now;
      drawn = true;
      out.write(`\r\x1b[2K${line(done)}`);
    },
    /** Clear the line before the report is printed. */
    finish(): void {
      if (drawn) out?.write('\r\x1b[2K');
    },
  };
}

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'snippet',
    short: 'e',
    value: 'TEXT',
    multiple: true,
    dashValue: true,
    description: 'a snippet given inline (repeatable)',
  },
  { name: 'repl', value: 'CMD', description: 'the repl command (words split on spaces, or a JSON array)' },
  {
    name: 'project',
    value: 'DIR',
    description: 'run the repl as `lake env <repl>` in this Lake project (repl: `repl`)',
  },
  {
    name: 'fake',
    description: "the bundled fake repl: no Lean needed, results are not Lean's (labelled fake)",
  },
  { name: 'workers', value: 'N', description: 'workers (and checks in flight) at once (default 2)' },
  {
    name: 'timeout-ms',
    value: 'N',
    description: 'deadline per snippet; the worker is killed and replaced (default 60000)',
  },
  {
    name: 'header-timeout-ms',
    value: 'N',
    description: 'deadline for a worker to import its header (default 600000)',
  },
  { name: 'max-uses', value: 'N', description: 'replace a worker after this many checks (default: never)' },
  {
    name: 'max-restarts',
    value: 'N',
    description:
      'quarantine a header whose worker restarts this often with no successful check between (default 16)',
  },
  { name: 'restart-window-ms', value: 'N', description: '... within this window (default 60000)' },
  { name: 'json', description: 'print one JSON report' },
];

const CHECK_COMMAND = commandLine('check', {
  usage: 'lean-worker check [files...] [-e snippet]... (--repl <cmd> | --project <dir> | --fake) [flags]',
  summary:
    'Check Lean snippets in parallel on warm repl workers, one warm worker per import header.\n' +
    'files: .lean files (one snippet each) or .json lists of snippets (strings, {id, text}, or {"snippets": [...]}).',
  flags: FLAGS,
  notes: ['exit status: 0 every snippet ok, 1 any not ok (or a file missing or unreadable), 2 usage error'],
  maxPositionals: Number.POSITIVE_INFINITY,
});

/** Which checker answered: the bundled fake's results say nothing about Lean. */
export type Checker = 'repl' | 'fake';

const FAKE_NOTE = 'fake checker: results from the bundled fake repl, not from Lean';

const int = (values: FlagValues, name: string) => positiveInt(name, stringFlag(values, name));

function words(command: string): string[] {
  const trimmed = command.trim();
  let list: unknown = trimmed.split(/\s+/);
  try {
    if (trimmed.startsWith('[')) list = JSON.parse(trimmed);
  } catch {
    list = null;
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((w) => typeof w !== 'string' || w === '')) {
    throw new CliUsageError(UsageCode.BAD_VALUE, '--repl must name a command', { flag: '--repl' });
  }
  return list as string[];
}

/** The repl workers the options name. */
function builderFrom(values: FlagValues, env: Readonly<Record<string, string | undefined>>): LeanReplBuilder {
  const maxUses = int(values, 'max-uses');
  const common = {
    requestTimeoutMs: int(values, 'timeout-ms') ?? 60_000,
    startupTimeoutMs: int(values, 'header-timeout-ms') ?? 600_000,
    ...(maxUses === undefined ? {} : { policy: { maxRequests: maxUses } }),
  };
  if (values.fake) {
    if (values.repl !== undefined || values.project !== undefined) {
      const message = '--fake runs the bundled fake: leave out --repl and --project';
      throw new CliUsageError(UsageCode.CONFLICTING_FLAGS, message, { flag: '--fake' });
    }
    const fake = nodeWorker(compiledPath('demo/repl/fake-repl.js'));
    // The fake repl's knobs (FAKE_REPL_*) pass through from this process's environment.
    const knobs = Object.entries(env).filter((e) => e[0].startsWith('FAKE_REPL_') && e[1] !== undefined);
    const fakeEnv = { ...fake.env, ...(Object.fromEntries(knobs) as Record<string, string>) };
    return new LeanReplBuilder({ command: fake.command, args: fake.args, env: fakeEnv, ...common }, { env });
  }
  const repl = values.repl === undefined ? undefined : words(values.repl as string);
  const project = stringFlag(values, 'project');
  if (repl === undefined && project === undefined) {
    const message = 'name the repl: --repl <cmd>, --project <dir>, or --fake for the bundled fake';
    throw new CliUsageError(UsageCode.MISSING_ARGUMENT, message, { flag: '--repl' });
  }
  const command = repl ? { command: repl[0] as string, args: repl.slice(1) } : {};
  return new LeanReplBuilder({ ...command, ...(project ? { project } : {}), ...common }, { env });
}

function formatResult(r: CheckResult, checker: Checker): string {
  const lines = [`${r.id}: ${r.status}${checker === 'fake' ? ' [fake]' : ''}${r.code ? ` (${r.code})` : ''}`];
  for (const e of r.errors) lines.push(`  ${e.line}:${e.column} error: ${e.text.split('\n')[0]}`);
  for (const s of r.sorries) lines.push(`  ${s.line}:${s.column} sorry`);
  return lines.join('\n');
}

/** Run `lean-worker check`; returns the exit status (0 all ok, 1 any not ok, 2 usage). */
export async function checkCommand(
  args: readonly string[],
  io: Io,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  const parsed = readCommandLine(CHECK_COMMAND, args, io, (values, files) => {
    const snippets = listFlag(values, 'snippet').map((text, i) => ({ id: `snippet-${i + 1}`, text }));
    if (snippets.length === 0 && files.length === 0) {
      const message = 'nothing to check: give files or -e snippets';
      throw new CliUsageError(UsageCode.MISSING_ARGUMENT, message, { argument: 'files' });
    }
    const workers = int(values, 'workers') ?? 2;
    // Unset fields take the pool's defaults.
    const policy = {
      maxRestarts: int(values, 'max-restarts'),
      restartWindowMs: int(values, 'restart-window-ms'),
    };
    return { values, files, snippets, workers, policy, builder: builderFrom(values, env) };
  });
  if (typeof parsed === 'number') return parsed;
  const { values, files, workers, policy, builder } = parsed;
  // A file that is missing or unreadable is a failure of the run, not of the command line.
  const items: CheckItem[] = [];
  try {
    for (const file of files) items.push(...(await readSnippetInput(file)));
  } catch (error) {
    const e = error as { code?: string; message: string };
    io.stderr.write(`lean-worker check: ${e.code ?? 'error'}: ${e.message}\n`);
    return EXIT_FAILED;
  }
  items.push(...parsed.snippets);
  const checker: Checker = values.fake === true ? 'fake' : 'repl';
  const pool = new LeanWorkerPool({ maxWorkers: workers, queueWaitTimeoutMs: 24 * 60 * 60 * 1000, policy });
  const began = performance.now();
  const progress = checkProgress(values.json ? null : io.stderr, items.length);
  let results: CheckResult[];
  let snapshot: ReturnType<LeanWorkerPool['snapshot']>;
  try {
    results = await checkAll(pool, builder, items, {
      lanes: workers,
      timeoutMs: builder.options.requestTimeoutMs,
      onResult: (r, done) => progress.add(r, done),
    });
    snapshot = pool.snapshot();
  } finally {
    progress.finish();
    await pool.close();
  }
  const elapsedMs = Math.round(performance.now() - began);
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const totals = { snippets: results.length, elapsedMs, ...counts };
  const w = {
    workersStarted: snapshot.coldOpenAdmitted,
    warmHits: snapshot.keyHits,
    coldOpens: snapshot.keyMisses,
    headers: snapshot.distinctKeysSeen,
    restarts: snapshot.workerRestarts,
    timeoutRestarts: snapshot.timeoutRestarts,
    crashRestarts: snapshot.crashRestarts,
    quarantinedKeys: snapshot.quarantinedKeys,
  };
  if (values.json) {
    const report = { checker, items: results, totals, workers: w };
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    if (checker === 'fake') io.stdout.write(`${FAKE_NOTE}\n`);
    for (const r of results) io.stdout.write(`${formatResult(r, checker)}\n`);
    const tally = Object.entries(counts).map(([k, v]) => `${v} ${k}`);
    io.stdout.write(
      `checked ${totals.snippets} snippets${checker === 'fake' ? ' with the fake checker' : ''} in ${(elapsedMs / 1000).toFixed(1)} s: ${tally.join(', ')}\n` +
        `workers: ${w.workersStarted} started for ${w.headers} headers, ${w.warmHits} warm hits, ${w.restarts} restarts\n`,
    );
  }
  return results.every((r) => r.ok) ? EXIT_OK : EXIT_FAILED;
}
