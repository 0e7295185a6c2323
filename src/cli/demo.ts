/**
 * `lean-worker demo`: the normal path on the bundled fixture child. Several leases on several
 * workers stream typed rows at once; the run ends with per-stream counts, rows/s, a recovered
 * timeout and the pool snapshot. `--json` prints a machine-readable result.
 */
import { z } from 'zod';
import { LeanWorkerCapabilityBuilder } from '../capability/builder.js';
import { defineStreamingCommand } from '../commands.js';
import { LeanWorkerError } from '../errors.js';
import { LeanWorkerPool } from '../pool/pool.js';
import { fixturePath, packageRoot } from '../worker/paths.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const rows = defineStreamingCommand({
  export: 'rows',
  request: z.object({ count: z.number().int().positive(), stream: z.string().optional() }),
  row: z.object({ i: z.number().int() }).passthrough(),
  summary: z.object({ ok: z.boolean(), rows: z.number().int() }).passthrough(),
});

function builder(imports: string[]): LeanWorkerCapabilityBuilder {
  return new LeanWorkerCapabilityBuilder({
    projectRoot: packageRoot,
    package: 'Fixture',
    libName: 'Fixture',
    imports,
    skipBuild: true,
    worker: { command: process.execPath, args: [fixturePath('children/test-child')] },
  });
}

export async function demoCommand(args: string[], io: Io): Promise<number> {
  const json = args.includes('--json');
  const batches = 6;
  const rowsPerBatch = 20_000;
  const pool = new LeanWorkerPool({ maxWorkers: 2, queueWaitTimeoutMs: 60_000 });
  const began = performance.now();
  const perStream: Record<string, number> = {};
  let diagnostics = 0;
  const log = (line: string) => {
    if (!json) io.stdout.write(`${line}\n`);
  };
  try {
    log(`lean-worker demo: ${batches} batches x ${rowsPerBatch} rows over 2 workers (fixture child)`);
    await Promise.all(
      Array.from({ length: batches }, async (_, b) => {
        const key = [`Demo.Group${b % 3}`];
        await pool.withLease(builder(key), async (lease) => {
          const stream = lease.runStreamingCommand(
            rows,
            { count: rowsPerBatch, stream: `batch${b}` },
            { onDiagnostic: () => diagnostics++ },
          );
          let n = 0;
          for await (const row of stream) {
            n += 1;
            perStream[row.stream] = (perStream[row.stream] ?? 0) + 1;
          }
          const summary = await stream.summary;
          log(
            `  batch ${b} (${key[0]}): ${n} rows, child ${summary.elapsedMs.toFixed(0)} ms, ok=${summary.metadata?.ok}`,
          );
        });
      }),
    );
    let timeoutCode: string | null = null;
    await pool.withLease(builder(['Demo.Group0']), async (lease) => {
      try {
        await lease.runDataStream('hang', {}, { timeoutMs: 200 }).collect();
      } catch (error) {
        timeoutCode = error instanceof LeanWorkerError ? error.code : String(error);
      }
    });
    log(`  timeout recovered: ${timeoutCode}`);
    const elapsedMs = performance.now() - began;
    const total = Object.values(perStream).reduce((a, b) => a + b, 0);
    const snapshot = pool.snapshot();
    const result = {
      rowsPerStream: perStream,
      totalRows: total,
      diagnostics,
      elapsedMs: Math.round(elapsedMs),
      rowsPerSecond: Math.round(total / (elapsedMs / 1000)),
      timeoutCode,
      snapshot,
    };
    if (json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      log(
        `total ${total} rows, ${diagnostics} diagnostics in ${result.elapsedMs} ms (${result.rowsPerSecond} rows/s)`,
      );
      log(
        `pool: workers ${snapshot.workers}, key hits ${snapshot.keyHits}, misses ${snapshot.keyMisses}, evictions ${snapshot.evictions}, restarts ${snapshot.workerRestarts}, queue wait p50 ${snapshot.queueWaitP50Ms?.toFixed(1)} ms`,
      );
    }
    return 0;
  } finally {
    await pool.close();
  }
}
