/**
 * `lean-worker run`: run one export of a capability on a pooled worker, for shells and other
 * languages. A data stream's rows go to stdout as NDJSON (`{stream, sequence, payload}` a line,
 * as they arrive: a stream that then fails leaves the rows printed so far uncommitted); a JSON
 * command's response is one stdout line. The summary goes to stderr, or with `--json` as the last
 * stdout line `{"summary": {...}}`. A failure prints its error code on stderr and exits 1.
 */
import { z } from 'zod';
import { LeanWorkerCapabilityBuilder } from '../capability/builder.js';
import { defineJsonCommand } from '../commands.js';
import { LeanWorkerError } from '../errors.js';
import { LeanWorkerPool } from '../pool/pool.js';
import { type CliIo, EXIT_FAILED, EXIT_OK, readCommandLine } from './flags.js';
import { checkChild, RUN_COMMAND, type RunOptions, readRequest, runOptionsOf } from './run-options.js';

/** Where `run` writes; `outputClosed` says stdout's reader went away. */
export type RunIo = CliIo & { readonly outputClosed?: () => boolean };

/** What a run reports when it ends. */
export interface RunSummary {
  readonly ok: boolean;
  readonly export: string;
  readonly kind: 'stream' | 'json';
  /** Rows printed (a stream). */
  readonly rows: number;
  readonly perStreamCounts: Readonly<Record<string, number>>;
  /** The stream's terminal metadata, when it has some. */
  readonly metadata: unknown;
  readonly elapsedMs: number;
  readonly error: { readonly code: string; readonly message: string; readonly facts: unknown } | null;
}

/** Exit status after an interrupt (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

function builderFor(o: RunOptions): LeanWorkerCapabilityBuilder {
  return new LeanWorkerCapabilityBuilder({
    projectRoot: o.projectRoot,
    package: o.package,
    libName: o.lib,
    imports: [...o.imports],
    // Leases may only call declared exports.
    exports: { [o.export]: o.kind },
    ...(o.child ? { worker: { command: o.child.command, args: [...o.child.args] } } : {}),
    childKit: o.childKit,
    skipBuild: o.skipBuild,
  });
}

/** Run `lean-worker run`; resolves to the exit status. */
export async function runCommand(args: readonly string[], io: RunIo): Promise<number> {
  const options = readCommandLine(RUN_COMMAND, args, io, runOptionsOf);
  if (typeof options === 'number') return options;
  const closed = io.outputClosed ?? (() => false);
  const began = performance.now();
  const abort = new AbortController();
  const interrupted = () => abort.abort();
  process.once('SIGINT', interrupted);
  const pool = new LeanWorkerPool({ maxWorkers: 1 });
  let rows = 0;
  let summary: Pick<RunSummary, 'perStreamCounts' | 'metadata'> = { perStreamCounts: {}, metadata: null };
  let failure: RunSummary['error'] = null;
  try {
    checkChild(options.child);
    const request = await readRequest(options.request);
    const commandOptions = { signal: abort.signal, timeoutMs: options.timeoutMs };
    await pool.withLease(builderFor(options), async (lease) => {
      if (options.kind === 'json') {
        const any = z.unknown();
        const command = defineJsonCommand({ export: options.export, request: any, response: any });
        const response = await lease.runJsonCommand(command, request, commandOptions);
        io.stdout.write(`${JSON.stringify(response ?? null)}\n`);
        return;
      }
      const stream = lease.runDataStream(options.export, request, commandOptions);
      for await (const { stream: name, sequence, payload } of stream) {
        if (closed()) {
          // Nobody reads the rows any more: stop the export and end quietly.
          stream.cancel();
          return;
        }
        io.stdout.write(`${JSON.stringify({ stream: name, sequence, payload })}\n`);
        rows += 1;
      }
      const { perStreamCounts, metadata } = await stream.summary;
      summary = { perStreamCounts, metadata };
    });
  } catch (error) {
    if (!(error instanceof LeanWorkerError)) throw error;
    if (!closed()) failure = { code: error.code, message: error.message, facts: error.facts };
  } finally {
    process.removeListener('SIGINT', interrupted);
    await pool.close();
  }
  if (closed()) return EXIT_OK;
  const report: RunSummary = {
    ok: failure === null,
    export: options.export,
    kind: options.kind,
    rows,
    ...summary,
    elapsedMs: Math.round(performance.now() - began),
    error: failure,
  };
  if (failure !== null) io.stderr.write(`lean-worker run: ${failure.code}: ${failure.message}\n`);
  if (options.json) io.stdout.write(`${JSON.stringify({ summary: report })}\n`);
  else if (failure === null) {
    io.stderr.write(
      `lean-worker run: ok: ${options.export} (${options.kind})${options.kind === 'stream' ? `, ${rows} rows` : ''} in ${report.elapsedMs} ms\n`,
    );
  }
  return abort.signal.aborted ? EXIT_INTERRUPTED : failure === null ? EXIT_OK : EXIT_FAILED;
}
