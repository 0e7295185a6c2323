/**
 * Fake workers for the pool's logic without processes: `fakePool()` builds an `Admission` whose
 * start function (the pool's seam) hands out `FakeWorker`s, handles that answer at once from
 * memory. A test drives what a supervisor would do (a restart, its failure, the restart limit, a
 * slow exit) by calling the fake. Every admission made here is closed when the test finishes.
 */
import type { MessagePort } from 'node:worker_threads';
import { onTestFinished } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand } from '../../src/commands.js';
import { ErrorCode, makeError } from '../../src/errors.js';
import { LeanWorkerSessionLease } from '../../src/lease.js';
import { Admission } from '../../src/pool/admission.js';
import { type LeanWorkerPoolOptions, parsePoolOptions } from '../../src/pool/options.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import { buildSnapshot } from '../../src/pool/snapshot.js';
import type { WorkerHandle } from '../../src/pool/worker.js';
import type { StartFn } from '../../src/pool/worker-opens.js';
import {
  emptyRequestStats,
  type GenerationInfo,
  type MemorySample,
  type RequestOutcome,
  type ShutdownReport,
  type SupervisorEvent,
} from '../../src/protocol/port-messages.js';
import type { AnySupervisorRequest } from '../../src/protocol/thread-contract.js';
import { SupervisorStartError } from '../../src/worker/supervisor-handle.js';
import { BASE_LAUNCH } from '../helpers/supervisor.js';

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A rejection nobody waits for is not a failure of the test.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/** How the workers of one key behave. */
export interface FakeKey {
  /** Private memory of each of its workers, in KiB (the first sample teaches the pool its cost). */
  readonly privateKib?: number;
  /** Its starts fail with SPAWN (`reason` as given, `'fake'` by default). */
  readonly failStart?: string;
  /** A graceful shutdown waits until `reap()` (or a kill). */
  readonly slowExit?: boolean;
  /** Shared file pages each of its workers maps (RssFile), the same image for every key. */
  readonly sharedKib?: number;
  /** Its start takes this long (a real timer), its memory held from the start's beginning. */
  readonly startDelayMs?: number;
  /** Its child is reaped this long after a shutdown (a real timer). */
  readonly exitDelayMs?: number;
}

/**
 * Memory of the fake children not reaped yet, as a `/proc` read would see it (KiB): their private
 * memory, plus one copy of the shared file pages while any child maps them.
 */
export class FakeMemory {
  nowKib = 0;
  peakKib = 0;
  #mapping = 0;
  #sharedKib = 0;

  /** A child appeared (`sign` 1) or was reaped (-1). */
  add(spec: FakeKey, sign: 1 | -1): void {
    this.nowKib += sign * (spec.privateKib ?? 0);
    if (spec.sharedKib) {
      this.#mapping += sign;
      this.#sharedKib = Math.max(this.#sharedKib, spec.sharedKib);
    }
    const shared = this.#mapping > 0 ? this.#sharedKib : 0;
    this.peakKib = Math.max(this.peakKib, this.nowKib + shared);
  }
}

export const echo = defineJsonCommand({
  export: 'echo',
  request: z.object({ x: z.number() }),
  response: z.object({ x: z.number() }),
});

export class FakeWorker implements WorkerHandle {
  readonly key: string;
  readonly spec: FakeKey;
  generation = 0;
  closed = false;
  /** The child is gone: its shutdown finished. */
  reaped = false;
  readonly shutdowns: ('graceful' | 'kill')[] = [];
  readonly requests: AnySupervisorRequest[] = [];
  /** Private memory grown since the open (KiB), in every later sample. */
  grownKib = 0;
  #lost = false;
  #ready: Deferred | null = null;
  #exit = deferred();
  readonly #listeners = new Set<(event: SupervisorEvent) => void>();
  readonly #unusable: (() => void)[] = [];

  readonly #memory: FakeMemory | null;

  constructor(key: string, spec: FakeKey, memory: FakeMemory | null = null) {
    this.key = key;
    this.spec = spec;
    this.#memory = memory;
  }

  get info(): GenerationInfo {
    return {
      generation: this.generation,
      workerVersion: 'fake',
      protocolVersion: 10,
      pid: 0,
      spawnHandshakeMs: 1,
    };
  }

  get unusable(): boolean {
    return this.closed || this.#lost;
  }

  onUnusable(listener: () => void): void {
    this.#unusable.push(listener);
  }

  onEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  keepProcessAlive(_keep: boolean): void {}

  async request(spec: AnySupervisorRequest, _port: MessagePort | null): Promise<RequestOutcome> {
    this.requests.push(spec);
    const json = 'request_json' in spec.request ? spec.request.request_json : '{}';
    const value: unknown = JSON.parse(json);
    return {
      ok: true,
      generation: this.generation,
      response: { status: 'json_command' },
      value,
      stats: emptyRequestStats(),
    };
  }

  whenReady(): Promise<void> {
    return this.#ready?.promise ?? Promise.resolve();
  }

  cancel(_id: number, _reason?: string): void {}

  async cycle(reason: string): Promise<GenerationInfo> {
    this.restart(reason);
    this.started();
    return this.info;
  }

  async sample(): Promise<MemorySample> {
    const kib = (this.spec.privateKib ?? 0) + this.grownKib;
    return {
      available: true,
      source: 'proc',
      processes: 1,
      rssKib: kib + (this.spec.sharedKib ?? 0),
      rssAnonKib: kib,
      rssFileKib: this.spec.sharedKib ?? 0,
      rssShmemKib: 0,
      hwmKib: kib,
      pssKib: null,
      privateKib: kib,
      sampledAtMs: 0,
    };
  }

  killNow(): void {
    this.#exit.resolve();
  }

  async shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport> {
    this.closed = true;
    this.shutdowns.push(mode);
    if (mode === 'graceful' && this.spec.slowExit) await this.#exit.promise;
    if (this.spec.exitDelayMs) await new Promise((resolve) => setTimeout(resolve, this.spec.exitDelayMs));
    if (!this.reaped) this.#memory?.add(this.spec, -1);
    this.reaped = true;
    return {
      outcome: mode === 'kill' ? 'kill_only' : 'graceful',
      elapsedMs: 0,
      gracefulWaitMs: 0,
      killWaitMs: null,
      exit: null,
    };
  }

  /** The child of a slow exit is reaped. */
  reap(): void {
    this.#exit.resolve();
  }

  /** The supervisor begins replacing the child (after a crash, a timeout, a cycle). */
  restart(reason = 'child_crash'): void {
    this.#ready ??= deferred();
    this.#emit({ type: 'restart', generation: this.generation + 1, reason, delayMs: 0 });
  }

  /** The replacement handshook: the next generation runs. */
  started(): void {
    this.generation += 1;
    this.#emit({ type: 'generation_started', info: this.info, reason: 'restart' });
    this.#ready?.resolve();
    this.#ready = null;
  }

  /** The replacement failed to start. */
  failed(): void {
    const error = makeError(ErrorCode.SPAWN, 'fake replacement failed');
    this.#emit({ type: 'restart_failed', generation: this.generation + 1, error: error.toWire() });
    this.#ready?.reject(error);
  }

  /** The supervisor stopped restarting: restarts passed the intensity. */
  restartLimit(): void {
    this.#emit({ type: 'restart_limit', restarts: 3, windowMs: 60_000 });
  }

  /** The supervisor thread ended on its own. */
  lose(): void {
    this.#lost = true;
    for (const listener of this.#unusable.splice(0)) listener();
  }

  #emit(event: SupervisorEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

/** A source for `key`: no session to open, no metadata to check, so no request at start. */
export function fakeSource(key: string): LeanWorkerSource {
  const resolved = {
    key,
    launch: { ...BASE_LAUNCH, command: 'fake', args: [key] },
    session: null,
    metadata: null,
  };
  return { sessionKey: () => key, resolve: async () => resolved };
}

/** An admission over fake workers, with `keys` saying how each key's workers behave. */
export function fakePool(options: LeanWorkerPoolOptions = {}, keys: Record<string, FakeKey> = {}) {
  const resolved = parsePoolOptions({ systemMemoryReserveKib: false, ...options });
  const started: FakeWorker[] = [];
  const memory = new FakeMemory();
  let starts = 0;
  const start: StartFn = async (config) => {
    starts += 1;
    const key = config.launch.args[0] ?? '';
    const spec = keys[key] ?? {};
    if (spec.failStart !== undefined) {
      const error = makeError(ErrorCode.SPAWN, 'fake start failed', { facts: { reason: spec.failStart } });
      throw new SupervisorStartError(error);
    }
    memory.add(spec, 1);
    if (spec.startDelayMs) await new Promise((resolve) => setTimeout(resolve, spec.startDelayMs));
    const worker = new FakeWorker(key, spec, memory);
    started.push(worker);
    return worker;
  };
  const admission = new Admission(resolved, start);
  onTestFinished(async () => {
    await admission.close(0, 'kill');
  });
  return {
    admission,
    /** Every fake worker started, in order. */
    started,
    /** Start functions called (failed starts included). */
    starts: () => starts,
    /** The fake workers of `key`. */
    of: (key: string) => started.filter((w) => w.key === key),
    /** Workers whose child is not reaped. */
    alive: () => started.filter((w) => !w.reaped).length,
    /** Memory of the children not reaped, from each start's beginning to its reap. */
    memory,
    async lease(
      key: string,
      timeoutMs = resolved.queueWaitTimeoutMs,
      client?: string,
    ): Promise<LeanWorkerSessionLease> {
      const worker = await admission.acquire(fakeSource(key), { timeoutMs, client });
      const lease = admission.grant(worker, 10_000);
      if (!(lease instanceof LeanWorkerSessionLease))
        throw new Error('a capability source gives a capability lease');
      return lease;
    },
    snapshot: () => buildSnapshot(admission.stats(), resolved, admission.closed),
  };
}

/** Let every settled promise's callbacks run. */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
