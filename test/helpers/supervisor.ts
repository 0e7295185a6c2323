/**
 * Starting supervisors over fixture children in tests. Every supervisor started here is shut down
 * with `kill` when the current test finishes, whether it passed, failed or timed out, and every
 * child pid it ever ran is SIGKILLed as a last resort, so no test leaves a process behind.
 */

import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { expect, onTestFinished } from 'vitest';
import type { LeanWorkerError } from '../../src/errors.js';
import type { Request } from '../../src/protocol/messages.js';
import type {
  DiagnosticItem,
  LeanWorkerDataRow,
  ProgressItem,
  RequestOutcome,
  SupervisorEvent,
  SupervisorRequest,
  ValidationSchemas,
} from '../../src/protocol/port-messages.js';
import type { SessionOpenSpec, WorkerLaunchSpec } from '../../src/protocol/worker-spec.js';
import { LeanWorkerStream } from '../../src/stream/lean-worker-stream.js';
import {
  type SupervisorConfig,
  SupervisorHandle,
  SupervisorStartError,
} from '../../src/worker/supervisor-handle.js';
import { STRICT_FIXTURES } from './capability.js';
import { eventually, killQuietly } from './proc.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A compiled fixture child (`test-child`, `misbehaving`, `fast-rows`). */
export function fixtureChild(name: string): string {
  return path.join(ROOT, 'dist/fixtures/children', `${name}.js`);
}

/** A raw child script kept beside these helpers. */
export function helperChild(name: string): string {
  return path.join(ROOT, 'test/helpers/children', name);
}

export const PYTHON_CHILD = path.join(ROOT, 'fixtures/children/rust-shaped-child.py');

export const BASE_LAUNCH: Omit<WorkerLaunchSpec, 'command' | 'args'> = {
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  startupTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  requestIdleTimeoutMs: 0,
  shutdownTimeoutMs: 2_000,
  killWaitTimeoutMs: 5_000,
  maxFrameBytes: 1 << 20,
  stderrTailBytes: 64 * 1024,
  hardMemoryLimitKib: 0,
  memorySampleIntervalMs: 250,
};

export interface Overrides {
  /**
   * Run `test-child` under the real child's contract (manifest-bound exports, PID 1 rule). Off by
   * default here: supervisor tests speak the raw protocol without a capability manifest, so they
   * pass `--lenient`; pool tests go through the builder and its manifest with strict children.
   */
  readonly strict?: boolean;
  readonly launch?: Partial<WorkerLaunchSpec>;
  readonly restart?: Partial<SupervisorConfig['restart']>;
  readonly relay?: Partial<SupervisorConfig['relay']>;
}

/** A child to run: a fixture name or script path run with Node, or an explicit command. */
export type ChildSpec = string | { readonly command: string; readonly args?: readonly string[] };

export function configFor(
  child: ChildSpec,
  argv: readonly string[] = [],
  overrides: Overrides = {},
): SupervisorConfig {
  const [command, args] =
    typeof child === 'string'
      ? [
          process.execPath,
          [
            child.includes('/') ? child : fixtureChild(child),
            ...(STRICT_FIXTURES.has(child) && !overrides.strict ? ['--lenient'] : []),
            ...argv,
          ],
        ]
      : [child.command, [...(child.args ?? []), ...argv]];
  return {
    launch: { ...BASE_LAUNCH, command, args, ...overrides.launch },
    restart: { maxRestarts: 16, windowMs: 60_000, backoffBaseMs: 0, backoffMaxMs: 0, ...overrides.restart },
    relay: { initialCredit: 8, maxBatchItems: 256, maxBatchBytes: 64 * 1024, ...overrides.relay },
  };
}

let nextRequestId = 1;

/** A started supervisor plus the events it reported and the pids of every generation. */
export class Sup {
  readonly handle: SupervisorHandle;
  readonly events: SupervisorEvent[];
  readonly pids: Set<number>;

  constructor(handle: SupervisorHandle, events: SupervisorEvent[], pids: Set<number>) {
    this.handle = handle;
    this.events = events;
    this.pids = pids;
  }

  get generation(): number {
    return this.handle.generation;
  }

  /** Pid of the current generation's child. */
  get pid(): number {
    return this.handle.info?.pid ?? -1;
  }

  eventsOf<T extends SupervisorEvent['type']>(type: T): Extract<SupervisorEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<SupervisorEvent, { type: T }> => e.type === type);
  }

  /** Wait until generation `n` (or later) is running. */
  async untilGeneration(n: number, timeoutMs = 5_000): Promise<void> {
    const ok = await eventually(() => this.handle.generation >= n, timeoutMs);
    expect(ok, `generation ${n} did not start`).toBe(true);
  }

  /** Wait for an event of `type` matching `match`. */
  async untilEvent<T extends SupervisorEvent['type']>(
    type: T,
    match: (e: Extract<SupervisorEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<Extract<SupervisorEvent, { type: T }>> {
    let hit: Extract<SupervisorEvent, { type: T }> | undefined;
    const ok = await eventually(() => {
      hit = this.eventsOf(type).find(match);
      return hit !== undefined;
    }, timeoutMs);
    expect(ok, `no ${type} event`).toBe(true);
    return hit as Extract<SupervisorEvent, { type: T }>;
  }

  /** Send a request without rows on the current generation. */
  call(request: Request, options: RequestOptions = {}): Promise<RequestOutcome> {
    return this.handle.request(this.spec(request, options), null);
  }

  /** Build a request spec bound to the current generation (or `options.generation`). */
  spec(request: Request, options: RequestOptions = {}): SupervisorRequest {
    return {
      id: options.id ?? nextRequestId++,
      generation: options.generation ?? this.handle.generation,
      request,
      timeoutMs: options.timeoutMs ?? 0,
      idleTimeoutMs: options.idleTimeoutMs ?? 0,
      ...(options.schemas ? { schemas: options.schemas } : {}),
      ...(options.session ? { session: options.session } : {}),
    };
  }

  /** Start a `run_data_stream` request; rows arrive on the returned stream. */
  stream(exportName: string, params: unknown = {}, options: StreamOptions = {}): StartedStream {
    const spec = this.spec(
      { op: 'run_data_stream', export: exportName, request_json: JSON.stringify(params), progress: false },
      options,
    );
    const channel = new MessageChannel();
    const control = this.handle.request(spec, channel.port2);
    const diagnostics: DiagnosticItem[] = [];
    const progress: ProgressItem[] = [];
    const stream = new LeanWorkerStream(channel.port1, control, {
      onDiagnostic: (d) => diagnostics.push(d),
      onProgress: (p) => progress.push(p),
    });
    return { id: spec.id, spec, control, stream, diagnostics, progress };
  }
}

export interface RequestOptions {
  readonly id?: number;
  readonly generation?: number;
  readonly timeoutMs?: number;
  readonly idleTimeoutMs?: number;
  readonly schemas?: ValidationSchemas;
  readonly session?: SessionOpenSpec;
}

export type StreamOptions = RequestOptions;

export interface StartedStream {
  readonly id: number;
  readonly spec: SupervisorRequest;
  readonly control: Promise<RequestOutcome>;
  readonly stream: LeanWorkerStream;
  readonly diagnostics: DiagnosticItem[];
  readonly progress: ProgressItem[];
}

/** Start a supervisor over `child`; it is killed when the current test finishes. */
export async function startSupervisor(
  child: ChildSpec,
  argv: readonly string[] = [],
  overrides: Overrides = {},
): Promise<Sup> {
  const events: SupervisorEvent[] = [];
  const pids = new Set<number>();
  let handle: SupervisorHandle | null = null;
  onTestFinished(async () => {
    await handle?.shutdown('kill').catch(() => undefined);
    for (const pid of pids) killQuietly(pid);
  });
  handle = await SupervisorHandle.start(configFor(child, argv, overrides), (event) => {
    events.push(event);
    if (event.type === 'generation_started') pids.add(event.info.pid);
  });
  if (handle.info) pids.add(handle.info.pid);
  return new Sup(handle, events, pids);
}

/** Start a supervisor that must fail to start; returns the typed error and the events seen. */
export async function startFailure(
  child: ChildSpec,
  argv: readonly string[] = [],
  overrides: Overrides = {},
): Promise<{ error: LeanWorkerError; events: SupervisorEvent[] }> {
  const events: SupervisorEvent[] = [];
  let handle: SupervisorHandle | null = null;
  onTestFinished(async () => {
    await handle?.shutdown('kill').catch(() => undefined);
  });
  try {
    handle = await SupervisorHandle.start(configFor(child, argv, overrides), (e) => events.push(e));
  } catch (error) {
    expect(error).toBeInstanceOf(SupervisorStartError);
    return { error: (error as SupervisorStartError).error, events };
  }
  throw new Error('the supervisor started although it was expected to fail');
}

/** Read a stream to its end: the rows delivered and the typed failure, if any. */
export async function drain(
  stream: LeanWorkerStream,
  perRow?: (row: LeanWorkerDataRow, index: number) => Promise<void> | void,
): Promise<{ rows: LeanWorkerDataRow[]; error: LeanWorkerError | null }> {
  const rows: LeanWorkerDataRow[] = [];
  try {
    for await (const row of stream) {
      rows.push(row);
      await perRow?.(row, rows.length - 1);
    }
  } catch (error) {
    return { rows, error: error as LeanWorkerError };
  }
  return { rows, error: null };
}

/** Narrow an outcome to a failure, failing the test otherwise. */
export function failed(outcome: RequestOutcome): Extract<RequestOutcome, { ok: false }> {
  if (outcome.ok) expect.fail(`expected a failure, got ${outcome.response.status}`);
  return outcome as Extract<RequestOutcome, { ok: false }>;
}

/** Narrow an outcome to a success, failing the test with the error code otherwise. */
export function succeeded(outcome: RequestOutcome): Extract<RequestOutcome, { ok: true }> {
  if (!outcome.ok) expect.fail(`expected success, got ${outcome.error.code}`);
  return outcome as Extract<RequestOutcome, { ok: true }>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A shims-only session open spec. */
export const SHIMS_SESSION: SessionOpenSpec = {
  projectRoot: '/tmp/fixture-project',
  mode: { kind: 'shims_only' },
  imports: ['Fixture.Basic'],
  importProfile: 'exported-public',
};

/** The `open_host_session` request for `session`. */
export function openRequest(session: SessionOpenSpec = SHIMS_SESSION): Request {
  return {
    op: 'open_host_session',
    project_root: session.projectRoot,
    mode: session.mode,
    imports: [...session.imports],
    import_profile: session.importProfile,
  };
}

/** What `row-port-reader.mjs` reports after reading a transferred row port to its end. */
export interface RowPortReport {
  readonly count: number;
  readonly ordered: boolean;
  readonly ok: boolean;
}

/**
 * Read `stream`'s rows in another worker thread (`row-port-reader.mjs`), terminated when the test
 * finishes; resolves with what the reader saw.
 */
export async function readInWorkerThread(stream: LeanWorkerStream): Promise<RowPortReport> {
  const port = stream.transferPort();
  const reader = new Worker(new URL(`file://${helperChild('row-port-reader.mjs')}`), {
    workerData: { port },
    transferList: [port],
  });
  onTestFinished(async () => {
    await reader.terminate();
  });
  const [seen] = (await once(reader, 'message')) as [RowPortReport];
  return seen;
}
