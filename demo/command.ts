/**
 * `lean-worker demo` (`npm start`): planner -> pool -> leases -> typed streaming commands over
 * every batch of a generated Mathlib-shaped project, on several workers at once, with live
 * progress bars on a TTY, one cancellation, one timeout and one crash recovered from, then a
 * summary table and the pool snapshot. `--json` prints one machine-readable result instead.
 * Exit status: 0 success, 1 a batch failed or a failure was not recovered, 2 usage error.
 */

import { CliUsageError, EXIT_FAILED, EXIT_OK, reportUsage, wantsHelp } from '../src/cli/flags.js';
import { LeanWorkerError } from '../src/errors.js';
import { type DemoOptions, parseDemoOptions, USAGE } from './options.js';
import { grouped, ProgressRenderer } from './progress.js';
import { runDemo } from './run.js';
import { formatSummary } from './summary.js';

/** Where the demo writes; progress bars only when `stdout.isTTY`. */
export interface DemoIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: { write(text: string): unknown };
}

function intro(o: DemoOptions): string {
  const source =
    o.child === undefined
      ? `a generated Mathlib-shaped project (${o.modules} modules) on the bundled Mathlib-scale child`
      : `${o.project ?? 'the generated project'} on ${o.child}`;
  return `lean-worker demo: planner -> pool -> leases -> typed streaming commands over ${source}, ${o.workers} workers`;
}

/** The line announcing the plan: "planned 51 batches covering 1,001 modules; ...". */
export function plannedLine(facts: { readonly batches: number; readonly modules: number }): string {
  const count = (n: number, one: string, many: string) => `${grouped(n)} ${n === 1 ? one : many}`;
  return `planned ${count(facts.batches, 'batch', 'batches')} covering ${count(facts.modules, 'module', 'modules')}; each batch runs index, extract, features, probe`;
}

/** Run the demo; resolves to the exit status. */
export async function demoCommand(
  args: string[],
  io: DemoIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseDemoOptions(args, env);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    if (wantsHelp(args, null)) {
      io.stdout.write(USAGE);
      return EXIT_OK;
    }
    return reportUsage(io.stderr, 'demo', error);
  }
  if (options.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const text = !options.json;
  const live = text && io.stdout.isTTY === true;
  const say = (line: string) => {
    if (text) io.stdout.write(`${line}\n`);
  };
  say(intro(options));
  let renderer: ProgressRenderer | null = null;
  const restoreCursor = () => io.stdout.write('\x1b[?25h');
  // Ctrl-C ends the process without an `exit` event by default; restore the cursor first.
  const interrupted = () => {
    restoreCursor();
    process.exit(130);
  };
  if (live) {
    process.once('exit', restoreCursor);
    process.once('SIGINT', interrupted);
  }
  try {
    const result = await runDemo(options, {
      onStart(state, facts) {
        say(plannedLine(facts));
        if (live) {
          renderer = new ProgressRenderer(io.stdout, state);
          renderer.start();
        } else if (text) state.onEvent(say);
      },
    });
    (renderer as ProgressRenderer | null)?.stop();
    if (options.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else for (const line of formatSummary(result)) say(line);
    return result.ok ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    (renderer as ProgressRenderer | null)?.stop();
    if (!(error instanceof LeanWorkerError)) throw error;
    io.stderr.write(`lean-worker demo: ${error.code}: ${error.message}\n`);
    return EXIT_FAILED;
  } finally {
    if (live) {
      process.removeListener('exit', restoreCursor);
      process.removeListener('SIGINT', interrupted);
    }
  }
}
