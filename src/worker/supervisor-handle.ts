/**
 * The main thread's handle on one supervisor thread: starts it, forwards control calls over
 * comlink, listens to its events, and tracks the generation leases are bound to. Never parses a
 * child frame; never exposes pids to pool users.
 */
import { MessageChannel, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { ErrorCode, errorFromWire, type LeanWorkerError, makeError } from '../errors.js';
import { nodeEndpoint } from '../protocol/endpoint.js';
import {
  alreadyExited,
  type GenerationInfo,
  type MemorySample,
  type RequestOutcome,
  type ShutdownReport,
  type SupervisorEvent,
} from '../protocol/port-messages.js';
import type {
  AnySupervisorRequest,
  StartResult,
  SupervisorApi,
  SupervisorConfig,
  SupervisorWorkerData,
} from '../protocol/thread-contract.js';
import { Generations } from './generations.js';
import { GroupGuards } from './orphan-guard.js';
import { RequestClient, threadEndedError } from './request-client.js';
import {
  entryMissingError,
  isModuleNotFound,
  startSupervisorThread,
  supervisorResourceLimits,
} from './thread-entry.js';

export type { SupervisorConfig };

/** Thrown by `SupervisorHandle.start` when the first generation could not start. */
export class SupervisorStartError extends Error {
  constructor(readonly error: LeanWorkerError) {
    super(error.message);
  }
}

export class SupervisorHandle {
  readonly #worker: Worker;
  readonly #api: Comlink.Remote<SupervisorApi>;
  readonly #events: MessagePort;
  readonly #requestPort: MessagePort;
  readonly #requests: RequestClient;
  readonly #listeners = new Set<(event: SupervisorEvent) => void>();
  /** The process groups of this thread's children, guarded until reaped. */
  readonly #guards = new GroupGuards();
  readonly #generations = new Generations();
  #closed = false;
  readonly #pendingCalls = new Set<() => void>();
  #threadEnded = false;
  /** What ended the thread or made it unusable, when it said. */
  #threadError: Error | null = null;
  /** Set once a message from the thread could not be read: the worker must not be reused. */
  #unreadable = false;
  readonly #endListeners = new Set<() => void>();

  private constructor(worker: Worker, events: MessagePort, requests: MessagePort) {
    this.#worker = worker;
    this.#events = events;
    this.#requestPort = requests;
    this.#requests = new RequestClient(
      requests,
      (outcome) => {
        if (!outcome.ok && outcome.restarted) this.#generations.expectAfter(outcome.generation);
      },
      () => this.#markUnusable(),
    );
    this.#api = Comlink.wrap<SupervisorApi>(nodeEndpoint(worker));
    events.on('message', (event: SupervisorEvent) => this.#onEvent(event));
    events.on('messageerror', () => this.#markUnusable());
    worker.on('messageerror', () => this.#markUnusable());
    worker.on('error', (error: Error) => {
      // An uncaught error in the thread, or its entry failing to load: the thread ends next, and
      // its child with it (parent-death signal). Kept as the cause of what fails because of it.
      this.#threadError = error;
    });
    // Calls in flight when the thread ends (it crashed, or never loaded) would never settle.
    worker.once('exit', () => {
      this.#threadEnded = true;
      for (const end of this.#pendingCalls) end();
      this.#pendingCalls.clear();
      this.#requests.threadEnded(this.#threadError);
      this.#generations.fail(errorFromWire(threadEndedError('restart', this.#threadError)), false);
      this.#notifyEnded();
    });
  }

  /** Whether this worker can take no more work: shut down, its thread ended, or unreadable. */
  get unusable(): boolean {
    return this.#closed || this.#threadEnded || this.#unreadable;
  }

  /** Run `listener` once the worker becomes unusable without being shut down by its owner. */
  onUnusable(listener: () => void): void {
    this.#endListeners.add(listener);
  }

  #markUnusable(): void {
    if (this.#unreadable) return;
    this.#unreadable = true;
    this.#notifyEnded();
  }

  #notifyEnded(): void {
    if (this.#closed) return;
    for (const listener of this.#endListeners) listener();
    this.#endListeners.clear();
  }

  /** `call`, or the typed failure `gone` once the supervisor thread has ended. */
  #unlessGone<T>(call: Promise<T>, gone: () => T): Promise<T> {
    if (this.#threadEnded) return Promise.resolve(gone());
    return new Promise<T>((resolve, reject) => {
      const end = () => resolve(gone());
      this.#pendingCalls.add(end);
      call.then(resolve, reject).finally(() => this.#pendingCalls.delete(end));
    });
  }

  /**
   * Start a supervisor thread and the first child generation. `entry` is the thread's entry
   * file (the pool option `supervisorEntry`); absent, the package's own (`thread-entry.ts`).
   */
  static async start(
    config: SupervisorConfig,
    onEvent?: (event: SupervisorEvent) => void,
    entry?: URL,
  ): Promise<SupervisorHandle> {
    const channel = new MessageChannel();
    const requests = new MessageChannel();
    const data: SupervisorWorkerData = { config, events: channel.port2, requests: requests.port2 };
    const thread = startSupervisorThread(entry, {
      workerData: data,
      transferList: [channel.port2, requests.port2],
      resourceLimits: supervisorResourceLimits(config.launch.maxFrameBytes),
    });
    if (!thread.ok) {
      channel.port1.close();
      requests.port1.close();
      throw new SupervisorStartError(errorFromWire(thread.error));
    }
    const handle = new SupervisorHandle(thread.worker, channel.port1, requests.port1);
    if (onEvent) handle.onEvent(onEvent);
    const result = await handle.#unlessGone<StartResult>(handle.#api.start(), () => {
      const cause = handle.#threadError;
      // The thread could not load its code: name the entry (a missing chunk is named in the cause).
      if (isModuleNotFound(cause)) return { ok: false, error: entryMissingError(thread.entry, cause) };
      return { ok: false, error: threadEndedError('start', cause) };
    });
    if (!result.ok) {
      await handle.#terminateThread();
      throw new SupervisorStartError(errorFromWire(result.error));
    }
    handle.#setInfo(result.info);
    return handle;
  }

  /** The heap limits the supervisor thread runs under (empty once it has ended). */
  get resourceLimits(): ResourceLimits {
    return this.#worker.resourceLimits ?? {};
  }

  /** The generation the running child belongs to. */
  get generation(): number {
    return this.#generations.info?.generation ?? -1;
  }

  /** Facts of the current generation (internal: carries the pid). */
  get info(): GenerationInfo | null {
    return this.#generations.info;
  }

  get closed(): boolean {
    return this.#closed;
  }

  onEvent(listener: (event: SupervisorEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Whether this worker keeps the process alive: its thread and both ports are referenced while
   * it works for someone (leased, starting, closing) and unreferenced while it idles, so a
   * script that forgets `pool.close()` still exits; the orphan guard then ends the child.
   */
  keepProcessAlive(keep: boolean): void {
    if (this.#threadEnded) return;
    for (const handle of [this.#worker, this.#events, this.#requestPort]) {
      if (keep) handle.ref();
      else handle.unref();
    }
  }

  /** Send one request; `port` (transferred) receives its rows and terminal outcome. */
  request(spec: AnySupervisorRequest, port: MessagePort | null): Promise<RequestOutcome> {
    return this.#requests.send(spec, port);
  }

  /**
   * Resolves once a replacement announced by a restart has started; rejects with the typed
   * failure when the restart was refused (restart limit) or failed.
   */
  whenReady(): Promise<void> {
    return this.#generations.whenReady();
  }

  cancel(id: number, reason?: string): void {
    void this.#api.cancel(id, reason).catch(() => {});
  }

  /** Replace the child with its next generation. */
  async cycle(reason: string): Promise<GenerationInfo> {
    const result = await this.#unlessGone<StartResult>(this.#api.cycle(reason), () => ({
      ok: false,
      error: threadEndedError('cycle', this.#threadError),
    }));
    if (!result.ok) throw errorFromWire(result.error);
    this.#setInfo(result.info);
    return result.info;
  }

  /** Memory of the child tree; rejects once the supervisor thread has ended. */
  async sample(withPss = false): Promise<MemorySample> {
    const sample = await this.#unlessGone<MemorySample | null>(this.#api.sample(withPss), () => null);
    if (!sample) throw errorFromWire(threadEndedError('sample', this.#threadError));
    return sample;
  }

  /** Turn a graceful shutdown under way into a kill at once. */
  killNow(): void {
    if (this.#threadEnded) return;
    void this.#api.killNow().catch(() => {});
  }

  /** Stop the child (graceful or kill) and end the thread. */
  async shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport> {
    if (this.#closed) return alreadyExited();
    this.#closed = true;
    try {
      return await this.#unlessGone(this.#api.shutdown(mode), () => alreadyExited());
    } finally {
      await this.#terminateThread();
    }
  }

  async #terminateThread(): Promise<void> {
    this.#closed = true;
    this.#api[Comlink.releaseProxy]();
    this.#events.close();
    this.#requests.close();
    await this.#worker.terminate();
    this.#guards.releaseAll();
  }

  #setInfo(info: GenerationInfo): void {
    if (this.#generations.set(info)) this.#guards.guard(info.pid);
  }

  #onEvent(event: SupervisorEvent): void {
    if (this.#guards.follow(event)) return;
    if (event.type === 'generation_started') {
      if (this.#generations.started(event.info)) this.#guards.guard(event.info.pid);
    }
    if (event.type === 'restart') this.#generations.expectAfter(event.generation - 1);
    if (event.type === 'restart_failed') this.#generations.fail(errorFromWire(event.error));
    if (event.type === 'restart_limit') {
      const { restarts, windowMs } = event;
      const message = `${restarts} restarts within ${windowMs} ms`;
      this.#generations.fail(makeError(ErrorCode.RESTART_LIMIT, message, { facts: { restarts, windowMs } }));
    }
    for (const listener of this.#listeners) listener(event);
  }
}
