/**
 * One planned batch on one lease slot: acquire a lease for the batch's session key, optionally
 * ask the readiness questions (`version`, `doctor`, capability metadata), optionally inject a
 * failure (cancellation, timeout, crash) and recover on a fresh lease, then run `index`,
 * `extract`, `features` and `probe` over the batch's modules. The cancellation aborts a command
 * that would never end by itself after its first row, so it is always a real mid-stream cancel.
 */
import type { LeanWorkerCapabilityBuilder } from '../src/capability/builder.js';
import type { LeanWorkerStreamingCommand } from '../src/commands.js';
import { ErrorCode, LeanWorkerError } from '../src/errors.js';
import type { LeanWorkerSessionLease } from '../src/lease.js';
import type { LeanWorkerPool } from '../src/pool/pool.js';
import { BATCH_COMMANDS, type BatchCommand, type DemoCommandSet, type ModuleRequest } from './commands.js';
import type { DemoState, LaneState, Recovery } from './state.js';

export type FailureKind = Recovery['kind'];

const EXPECTED: Record<FailureKind, string> = {
  cancellation: ErrorCode.ABORTED,
  timeout: ErrorCode.TIMEOUT,
  crash: ErrorCode.CHILD_CRASH,
};

/** Everything one batch run needs. */
export interface BatchRun {
  readonly pool: LeanWorkerPool;
  readonly commands: DemoCommandSet;
  readonly state: DemoState;
  readonly lane: LaneState;
  readonly builder: LeanWorkerCapabilityBuilder;
  readonly batch: number;
  readonly modules: readonly string[];
  readonly failures: readonly FailureKind[];
  readonly timeoutMs: number;
  readonly readiness: ((lease: LeanWorkerSessionLease) => Promise<void>) | null;
  /** Where the slot's current lease is published (for memory sampling). */
  readonly leases: (LeanWorkerSessionLease | null)[];
  /** Take a memory sample now (after each stream, so short-lived workers are seen). */
  readonly sampleMemory: () => void;
}

const codeOf = (error: unknown) => (error instanceof LeanWorkerError ? error.code : 'UNKNOWN');

async function acquire(run: BatchRun, phase: LaneState['phase']): Promise<LeanWorkerSessionLease> {
  run.lane.phase = phase;
  run.lane.command = phase === 'recovering' ? 'acquiring a fresh lease' : 'acquiring';
  const began = performance.now();
  const lease = await run.pool.acquireLease(run.builder);
  run.state.acquireWaitsMs.push(performance.now() - began);
  run.leases[run.lane.lane] = lease;
  run.lane.phase = 'running';
  return lease;
}

/** Stream one command to its end; returns the rows delivered and the outcome. */
async function stream(
  run: BatchRun,
  lease: LeanWorkerSessionLease,
  command: LeanWorkerStreamingCommand<ModuleRequest, unknown, unknown>,
  label: string,
  options: { abortAfterRows?: number; timeoutMs?: number } = {},
): Promise<{ rows: number; perStream: Record<string, number> | null; error: unknown }> {
  const { state, lane } = run;
  const controller = options.abortAfterRows === undefined ? undefined : new AbortController();
  lane.command = label;
  lane.commandModulesDone = 0;
  const total = run.modules.length;
  let rows = 0;
  let s: ReturnType<typeof lease.runStreamingCommand<ModuleRequest, unknown, unknown>> | null = null;
  try {
    s = lease.runStreamingCommand(
      command,
      { modules: [...run.modules] },
      {
        ...(controller ? { signal: controller.signal } : {}),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
        onDiagnostic: (d) => state.diagnostic(d.code),
        onProgress: (p) => {
          if (p.phase === 'data_stream' || !p.total) return;
          state.progressEvents += 1;
          lane.commandModulesDone = Math.min(total, Math.round((total * p.current) / p.total));
        },
      },
    );
    for await (const _row of s) {
      rows += 1;
      state.liveRows += 1;
      if (rows === options.abortAfterRows) controller?.abort(new Error('cancelled by the demo'));
    }
    const summary = await s.summary;
    return { rows, perStream: { ...summary.perStreamCounts }, error: null };
  } catch (error) {
    state.tentativeRowsDiscarded += rows;
    // The terminal outcome is authoritative, and the lease's bookkeeping settles with it.
    const terminal =
      s === null
        ? error
        : await s.summary.then(
            () => error,
            (e: unknown) => e,
          );
    return { rows, perStream: null, error: terminal };
  } finally {
    run.sampleMemory();
  }
}

/** Inject one failure on `lease`; returns a fresh lease and the pending recovery record. */
async function inject(
  run: BatchRun,
  lease: LeanWorkerSessionLease,
  kind: FailureKind,
): Promise<{ lease: LeanWorkerSessionLease; recovery: Recovery; failedAt: number }> {
  const { commands } = run;
  const outcome =
    kind === 'cancellation'
      ? await stream(run, lease, commands.timeoutAfterRow, 'long (cancel)', { abortAfterRows: 1 })
      : kind === 'timeout'
        ? await stream(run, lease, commands.timeoutAfterRow, 'hang (timeout)', { timeoutMs: run.timeoutMs })
        : await stream(run, lease, commands.panicAfterRow, 'panic (crash)');
  const failedAt = performance.now();
  if (outcome.error === null) run.state.streamsSucceeded += 1;
  else run.state.streamsFailed += 1;
  const recovery: Recovery = {
    kind,
    batch: run.batch,
    command: kind === 'crash' ? commands.names.panicAfterRow : commands.names.timeoutAfterRow,
    code: outcome.error === null ? 'NONE' : codeOf(outcome.error),
    expectedCode: EXPECTED[kind],
    rowsBeforeFailure: outcome.rows,
    leaseInvalidated: !lease.isValid,
    recoveredMs: null,
  };
  run.state.recoveries.push(recovery);
  run.state.event(
    `${kind}: batch ${run.batch + 1} ${recovery.command} -> ${recovery.code} after ${recovery.rowsBeforeFailure} row(s); lease ${recovery.leaseInvalidated ? 'invalidated' : 'still valid'}`,
  );
  lease.release();
  run.leases[run.lane.lane] = null;
  return { lease: await acquire(run, 'recovering'), recovery, failedAt };
}

/** Run the batch. Failed commands are recorded, not thrown; a failed acquire rejects (the caller records it). */
export async function runBatch(run: BatchRun): Promise<void> {
  const { state, lane } = run;
  let lease = await acquire(run, 'acquiring');
  const pending: { recovery: Recovery; failedAt: number }[] = [];
  try {
    if (run.readiness) await run.readiness(lease);
    for (const kind of run.failures) {
      const injected = await inject(run, lease, kind);
      lease = injected.lease;
      pending.push(injected);
    }
    for (const command of BATCH_COMMANDS) {
      const outcome = await stream(run, lease, run.commands[command], command);
      if (outcome.perStream === null) {
        state.streamsFailed += 1;
        const error = outcome.error as Error;
        state.failures.push({ batch: run.batch, command, code: codeOf(error), message: error.message });
        state.event(`failure: batch ${run.batch + 1} ${command} -> ${codeOf(error)}: ${error.message}`);
        if (!lease.isValid) {
          lease.release();
          lease = await acquire(run, 'recovering');
        }
        continue;
      }
      commit(run, command, outcome.perStream);
      for (const { recovery, failedAt } of pending.splice(0)) {
        recovery.recoveredMs = Math.round(performance.now() - failedAt);
        state.event(
          `recovered from the ${recovery.kind} in ${recovery.recoveredMs} ms: a fresh lease finished ${command} on batch ${run.batch + 1}`,
        );
      }
    }
  } finally {
    lease.release();
    run.leases[lane.lane] = null;
  }
}

function commit(run: BatchRun, command: BatchCommand, perStream: Record<string, number>): void {
  const { state, lane } = run;
  state.commit(command, perStream, lane);
  lane.units += run.modules.length;
  state.unitsDone += run.modules.length;
  lane.commandModulesDone = 0;
}

/** Which failures to inject on which batch: cancellation at 1/4, timeout at 1/2, crash at 3/4. */
export function failurePlan(batches: number): Map<number, FailureKind[]> {
  const plan = new Map<number, FailureKind[]>();
  const at = (fraction: number) => Math.min(batches - 1, Math.floor(batches * fraction));
  for (const [kind, fraction] of [
    ['cancellation', 0.25],
    ['timeout', 0.5],
    ['crash', 0.75],
  ] as const) {
    const batch = at(fraction);
    plan.set(batch, [...(plan.get(batch) ?? []), kind]);
  }
  return plan;
}
