/**
 * `lean-worker check <files...> [-e snippet]...`: check Lean snippets in parallel on warm
 * leanprover-community repl workers, one warm worker per import header, and print each result
 * (ok, or its errors with positions) and totals; `--json` for machines.
 *
 * The child must be named: `--repl <cmd>` (the repl command, split on spaces or a JSON array,
 * never run through a shell), `--project <dir>` (run `lake env <repl>` there; the repl command
 * defaults to `repl`), or `--fake` (the bundled fake repl, for trying the tool without Lean).
 */
import { parseArgs } from 'node:util';
import { LeanWorkerPool } from '../pool/pool.js';
import { LeanReplBuilder } from '../repl/builder.js';
import { fixturePath } from '../worker/paths.js';
import { CheckProgress, type ProgressSink } from './check-progress.js';
import { type CheckItem, type CheckResult, checkAll } from './check-run.js';
import { readSnippetInput } from './snippet-input.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressSink;
}

const USAGE = `usage: lean-worker check [files...] [-e snippet]... (--repl <cmd> | --project <dir> | --fake)
  files            .lean files (one snippet each) or .json lists of snippets
                   (strings, {id, text} objects, or {"snippets": [...]})
  -e, --snippet    a snippet given inline (repeatable)
  --repl <cmd>     the repl command (words split on spaces, or a JSON array)
  --project <dir>  run the repl as \`lake env <repl>\` in this Lake project (repl: \`repl\`)
  --fake           the bundled fake repl (no Lean needed; for trying the tool)
  --workers <n>    workers (and checks in flight) at once (default 2)
  --timeout-ms <n> deadline per snippet; the worker is killed and replaced (default 60000)
  --header-timeout-ms <n>  deadline for a worker to import its header (default 600000)
  --max-uses <n>   replace a worker after this many checks (default: never)
  --max-restarts <n>       a header whose worker restarts this many times with no
                           successful check between is quarantined (default 16)
  --restart-window-ms <n>  ... within this window (default 60000)
  --json           print one JSON report
`;

const positiveInt = (name: string, text: string | undefined, fallback: number | undefined) => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer`);
  return n;
};

class UsageError extends Error {}

function words(command: string): string[] {
  const trimmed = command.trim();
  const list = trimmed.startsWith('[') ? (JSON.parse(trimmed) as unknown) : trimmed.split(/\s+/);
  if (!Array.isArray(list) || list.length === 0 || list.some((w) => typeof w !== 'string' || w === '')) {
    throw new UsageError('--repl must name a command');
  }
  return list as string[];
}

/** The repl workers the options name. */
function builderFrom(
  values: Record<string, string | boolean | string[] | undefined>,
  env: Readonly<Record<string, string | undefined>>,
): LeanReplBuilder {
  const timeouts = {
    requestTimeoutMs: positiveInt('timeout-ms', values['timeout-ms'] as string | undefined, 60_000),
    startupTimeoutMs: positiveInt(
      'header-timeout-ms',
      values['header-timeout-ms'] as string | undefined,
      600_000,
    ),
  };
  const maxUses = positiveInt('max-uses', values['max-uses'] as string | undefined, undefined);
  const policy = maxUses === undefined ? {} : { restartPolicy: { maxRequests: maxUses } };
  if (values.fake) {
    // The fake repl's knobs (FAKE_REPL_*) pass through from this process's environment.
    const fakeEnv = Object.fromEntries(
      Object.entries(env).filter(
        (e): e is [string, string] => e[0].startsWith('FAKE_REPL_') && e[1] !== undefined,
      ),
    );
    return new LeanReplBuilder(
      {
        command: process.execPath,
        args: [fixturePath('repl/fake-repl')],
        env: fakeEnv,
        ...timeouts,
        ...policy,
      },
      { env },
    );
  }
  const repl = values.repl === undefined ? undefined : words(values.repl as string);
  const project = values.project as string | undefined;
  if (repl === undefined && project === undefined) {
    throw new UsageError('name the repl: --repl <cmd>, --project <dir>, or --fake for the bundled fake');
  }
  return new LeanReplBuilder(
    {
      ...(repl ? { command: repl[0] as string, args: repl.slice(1) } : {}),
      ...(project ? { project } : {}),
      ...timeouts,
      ...policy,
    },
    { env },
  );
}

function formatResult(r: CheckResult): string {
  const lines = [`${r.id}: ${r.status}${r.code ? ` (${r.code})` : ''}`];
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
  let values: Record<string, string | boolean | string[] | undefined>;
  let items: CheckItem[];
  let builder: LeanReplBuilder;
  let workers: number;
  let restart: { maxRestarts?: number; windowMs?: number };
  try {
    const parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        snippet: { type: 'string', short: 'e', multiple: true },
        repl: { type: 'string' },
        project: { type: 'string' },
        fake: { type: 'boolean' },
        workers: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'header-timeout-ms': { type: 'string' },
        'max-uses': { type: 'string' },
        'max-restarts': { type: 'string' },
        'restart-window-ms': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    items = [];
    for (const file of parsed.positionals) items.push(...(await readSnippetInput(file)));
    ((values.snippet as string[] | undefined) ?? []).forEach((text, i) => {
      items.push({ id: `snippet-${i + 1}`, text });
    });
    if (items.length === 0) throw new UsageError('nothing to check: give files or -e snippets');
    workers = positiveInt('workers', values.workers as string | undefined, 2) as number;
    const maxRestarts = positiveInt('max-restarts', values['max-restarts'] as string | undefined, undefined);
    const windowMs = positiveInt(
      'restart-window-ms',
      values['restart-window-ms'] as string | undefined,
      undefined,
    );
    restart = {
      ...(maxRestarts === undefined ? {} : { maxRestarts }),
      ...(windowMs === undefined ? {} : { windowMs }),
    };
    builder = builderFrom(values, env);
  } catch (error) {
    const e = error as { code?: string; message: string };
    io.stderr.write(`lean-worker check: ${e.code ? `${e.code}: ` : ''}${e.message}\n${USAGE}`);
    return 2;
  }
  const timeoutMs = builder.options.requestTimeoutMs;
  const pool = new LeanWorkerPool({ maxWorkers: workers, queueWaitTimeoutMs: 24 * 60 * 60 * 1000, restart });
  const began = performance.now();
  const progress = new CheckProgress(values.json ? null : io.stderr, items.length);
  let results: CheckResult[];
  let snapshot: ReturnType<LeanWorkerPool['snapshot']>;
  try {
    results = await checkAll(pool, builder, items, {
      lanes: workers,
      timeoutMs,
      onResult: (r, done) => progress.add(r, done),
    });
    snapshot = pool.snapshot();
  } finally {
    progress.finish();
    await pool.close();
  }
  const totals = { snippets: results.length, elapsedMs: Math.round(performance.now() - began) } as Record<
    string,
    number
  >;
  for (const r of results) totals[r.status] = (totals[r.status] ?? 0) + 1;
  const workersReport = {
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
    io.stdout.write(`${JSON.stringify({ items: results, totals, workers: workersReport }, null, 2)}\n`);
  } else {
    for (const r of results) io.stdout.write(`${formatResult(r)}\n`);
    const counts = Object.entries(totals)
      .filter(([k]) => k !== 'snippets' && k !== 'elapsedMs')
      .map(([k, v]) => `${v} ${k}`)
      .join(', ');
    io.stdout.write(
      `checked ${totals.snippets} snippets in ${((totals.elapsedMs ?? 0) / 1000).toFixed(1)} s: ${counts}\n` +
        `workers: ${workersReport.workersStarted} started for ${workersReport.headers} headers, ${workersReport.warmHits} warm hits, ${workersReport.restarts} restarts\n`,
    );
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
