/**
 * The supervisor of one worker child: its generations, the one request in flight, deadlines,
 * cancellation, restarts under an intensity limit, and shutdown. What the child speaks (protocol
 * v10 or the repl) is its driver's business (`driver.ts`). Runs inside a worker thread; the main
 * thread talks to it through `threads/supervisor.ts`.
 */
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import {
  emptyRequestStats,
  type GenerationInfo,
  type MemorySample,
  type RequestOutcome,
  type ShutdownReport,
  type SupervisorEvent,
} from '../src/protocol/port-messages.js';
import type { ChildKindSpec, WorkerLaunchSpec } from '../src/worker-spec.js';
import {
  type AnySupervisorRequest,
  type ChildDriver,
  type DriverGeneration,
  driverFor,
  type GenerationLink,
  isRunning,
  type RunningRequest,
} from './driver.js';
import { StartFailure } from './generation.js';
import { sampleMemory, unavailableSample } from './memory.js';
import { abortedError, exitError, wireError } from './outcome.js';
import { type RelayOptions, RowRelay } from './relay.js';
import { RestartIntensity, type RestartIntensityOptions } from './restart-intensity.js';
import { stopChild } from './stop.js';
import { InFlightWatch } from './watch.js';

export interface SupervisorConfig {
  readonly launch: WorkerLaunchSpec;
  readonly restart: RestartIntensityOptions;
  readonly relay: RelayOptions;
  /** The child kind; absent means lean-rs-worker protocol v10. */
  readonly child?: ChildKindSpec;
}

type State =
  | 'new'
  | 'starting'
  | 'ready'
  | 'busy'
  | 'restarting'
  | 'dead'
  | 'exhausted'
  | 'stopping'
  | 'closed';

export class SupervisorCore {
  readonly #config: SupervisorConfig;
  readonly #emit: (event: SupervisorEvent) => void;
  readonly #intensity: RestartIntensity;
  readonly #driver: ChildDriver;
  #state: State = 'new';
  #current: DriverGeneration | null = null;
  #generation = -1;
  #ready: Promise<void> | null = null;
  #lastError: WireError | null = null;
  #active: RunningRequest | null = null;
  #watch: InFlightWatch | null = null;
  /** Requests waiting to be sent, and ids cancelled before their request was sent. */
  #waiting = new Set<number>();
  #cancelled = new Set<number>();
  /** Highest request id that reached its outcome; a cancel at or below it arrived too late. */
  #lastFinishedId = Number.NEGATIVE_INFINITY;

  constructor(config: SupervisorConfig, emit: (event: SupervisorEvent) => void) {
    this.#config = config;
    this.#emit = emit;
    this.#intensity = new RestartIntensity(config.restart);
    this.#driver = driverFor(config.child);
  }

  get generation(): number {
    return this.#generation;
  }

  /** Start the first generation. Rejects with the typed start failure. */
  async start(): Promise<GenerationInfo> {
    if (this.#state !== 'new')
      throw new StartFailure(wireError(ErrorCode.PROTOCOL, 'supervisor already started'));
    this.#state = 'starting';
    try {
      return await this.#spawnGeneration('initial');
    } catch (error) {
      this.#state = 'dead';
      throw error;
    }
  }

  /** Run one request to its single terminal outcome. */
  async request(spec: AnySupervisorRequest, port: MessagePort | null): Promise<RequestOutcome> {
    const refuse = (error: WireError): RequestOutcome => {
      const outcome: RequestOutcome = {
        ok: false,
        generation: this.#generation,
        error,
        workEnteredChild: false,
        restarted: false,
        stats: emptyRequestStats(),
      };
      if (port) {
        port.postMessage({ type: 'end', outcome });
        port.close();
      }
      return outcome;
    };
    this.#waiting.add(spec.id);
    if (this.#ready) await this.#ready;
    this.#waiting.delete(spec.id);
    if (this.#cancelled.delete(spec.id)) {
      this.#finished(spec.id);
      return refuse(abortedError(spec, 'before_send'));
    }
    const unavailable = this.#unavailable();
    if (unavailable) return refuse(unavailable);
    if (spec.generation !== this.#generation) {
      return refuse(
        wireError(
          ErrorCode.LEASE_INVALIDATED,
          `worker generation changed from ${spec.generation} to ${this.#generation}`,
          {
            grantedGeneration: spec.generation,
            currentGeneration: this.#generation,
          },
        ),
      );
    }
    if (this.#active)
      return refuse(wireError(ErrorCode.LEASE_BUSY, 'a request is already in flight on this worker'));
    const current = this.#current as DriverGeneration;
    let active: RunningRequest | null = null;
    const begun = current.begin(
      spec,
      () => (port ? this.#relay(port, spec.id, current, () => active) : null),
      this.#linkFor(current),
    );
    if (!isRunning(begun)) return refuse(begun);
    active = begun;
    this.#active = active;
    this.#state = 'busy';
    this.#watch = new InFlightWatch(this.#config.launch, spec, current.child.pid, (error) => {
      void this.#killAndRestart(error, error.code === ErrorCode.TIMEOUT ? 'timeout' : 'memory_limit');
    });
    current.child.process.stdout.resume();
    const outcome = await active.done;
    this.#finished(spec.id);
    this.#watch?.stop();
    this.#watch = null;
    if (this.#active === active) {
      this.#active = null;
      if (this.#state === 'busy') this.#state = 'ready';
      if (current === this.#current) current.child.process.stdout.resume();
    }
    return outcome;
  }

  /** Forget cancellations that can no longer match a request (ids only grow). */
  #finished(id: number): void {
    if (id <= this.#lastFinishedId) return;
    this.#lastFinishedId = id;
    for (const cancelled of this.#cancelled) if (cancelled <= id) this.#cancelled.delete(cancelled);
  }

  /** The row relay of one request; it steers the child's stdout only while that request is active. */
  #relay(
    port: MessagePort,
    id: number,
    current: DriverGeneration,
    active: () => RunningRequest | null,
  ): RowRelay {
    const relay: RowRelay = new RowRelay(port, this.#config.relay, {
      pause: () => {
        if (this.#active !== active()) return;
        current.child.process.stdout.pause();
        this.#watch?.suspendIdle();
        this.#emit({ type: 'backpressure', requestId: id, waits: relay.waits });
      },
      resume: () => {
        if (this.#active !== active()) return;
        current.child.process.stdout.resume();
        this.#watch?.resumeIdle();
      },
      consumerClosed: () => this.cancel(id, 'consumer_closed'),
    });
    return relay;
  }

  /** Abort request `id`: before it is sent nothing is touched; in flight the child is killed. */
  cancel(id: number, reason = 'aborted'): void {
    const active = this.#active;
    if (active && active.id === id && !active.finished) {
      void this.#killAndRestart(abortedError(active.spec, reason), 'cancelled');
      return;
    }
    if (this.#waiting.has(id) || id > this.#lastFinishedId) this.#cancelled.add(id);
  }

  /** Replace the child with a fresh generation (graceful stop first). */
  async cycle(reason: string): Promise<GenerationInfo> {
    if (this.#ready) await this.#ready;
    const unavailable = this.#unavailable();
    if (unavailable && unavailable.code !== ErrorCode.WORKER_UNAVAILABLE) throw new StartFailure(unavailable);
    if (this.#active)
      throw new StartFailure(wireError(ErrorCode.LEASE_BUSY, 'cannot cycle during a request'));
    const current = this.#current;
    this.#current = null;
    if (current) {
      await stopChild(
        current.child,
        'graceful',
        this.#config.launch,
        (why) => this.#emit({ type: 'kill', generation: this.#generation, reason: why }),
        () => current.askToExit(),
      );
    }
    this.#respawn(reason);
    if (this.#ready) await this.#ready;
    const failure = this.#unavailable();
    if (failure) throw new StartFailure(failure);
    return this.#info();
  }

  /** Memory of the current child tree. */
  async sample(withPss = false): Promise<MemorySample> {
    const pid = this.#current?.child.pid;
    if (pid === undefined) return unavailableSample('none');
    return sampleMemory(pid, withPss);
  }

  /** Stop for good: graceful (terminate, wait, kill) or immediate kill. */
  async shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport> {
    const began = performance.now();
    if (this.#ready) await this.#ready.catch(() => {});
    this.#state = 'stopping';
    const current = this.#current;
    this.#current = null;
    if (this.#active) {
      this.#active.fail(wireError(ErrorCode.POOL_CLOSED, 'worker shut down during the request'), {
        restarted: false,
        workEnteredChild: true,
      });
    }
    const report = await stopChild(
      current?.child ?? null,
      mode,
      this.#config.launch,
      (reason) => this.#emit({ type: 'kill', generation: this.#generation, reason }),
      () => current?.askToExit() ?? false,
    );
    this.#state = 'closed';
    return { ...report, elapsedMs: performance.now() - began };
  }

  #info(): GenerationInfo {
    const c = this.#current as DriverGeneration;
    return {
      generation: this.#generation,
      workerVersion: c.workerVersion,
      protocolVersion: c.protocolVersion,
      pid: c.child.pid,
      spawnHandshakeMs: c.spawnHandshakeMs,
    };
  }

  #unavailable(): WireError | null {
    switch (this.#state) {
      case 'exhausted':
        return this.#lastError ?? wireError(ErrorCode.RESTART_LIMIT, 'restart limit reached');
      case 'dead':
        return wireError(ErrorCode.WORKER_UNAVAILABLE, 'worker child is not running', {
          ...(this.#lastError ? { lastError: this.#lastError } : {}),
        });
      case 'stopping':
      case 'closed':
        return wireError(ErrorCode.POOL_CLOSED, 'worker is shut down');
      default:
        return null;
    }
  }

  async #spawnGeneration(reason: string): Promise<GenerationInfo> {
    const started = await this.#driver.start(this.#config.launch);
    if (this.#state === 'stopping' || this.#state === 'closed') {
      started.child.killGroup();
      await started.child.waitExit(this.#config.launch.killWaitTimeoutMs);
      throw new StartFailure(wireError(ErrorCode.POOL_CLOSED, 'worker shut down while starting'));
    }
    this.#current = started;
    this.#generation += 1;
    this.#state = 'ready';
    this.#attach(started);
    const info = this.#info();
    this.#emit({ type: 'generation_started', info, reason });
    return info;
  }

  /** What `started` may ask of this supervisor while it is the current generation. */
  #linkFor(started: DriverGeneration): GenerationLink {
    return {
      isCurrent: () => this.#current === started,
      generation: () => this.#generation,
      active: () => (this.#current === started ? this.#active : null),
      outputSeen: () => this.#watch?.frameSeen(),
      abandon: (error, reason) => {
        if (this.#current === started) void this.#killAndRestart(error, reason);
      },
    };
  }

  #attach(started: DriverGeneration): void {
    const { child } = started;
    const generation = this.#generation;
    started.attach(this.#linkFor(started));
    void child.exited.then((exit) => {
      this.#emit({ type: 'reap', generation, pid: child.pid, exit });
      if (this.#current !== started) return;
      this.#current = null;
      const active = this.#active;
      this.#emit({ type: 'child_exited', generation, exit, inFlight: Boolean(active) });
      const error = active && !active.finished ? exitError(exit, active.operation, generation) : null;
      const restarted = this.#respawn(exit.success ? 'child_exit' : 'child_crash');
      if (active && error) active.fail(error, { restarted, workEnteredChild: true });
    });
  }

  /** Kill the current child, reap it, fail the request in flight, start the next generation. */
  async #killAndRestart(error: WireError, reason: string): Promise<void> {
    const current = this.#current;
    if (!current) return;
    this.#current = null;
    const active = this.#active;
    this.#watch?.stop();
    this.#emit({ type: 'kill', generation: this.#generation, reason });
    current.child.killGroup();
    const exit = await current.child.waitExit(this.#config.launch.killWaitTimeoutMs);
    const restarted = this.#respawn(reason);
    if (active && !active.finished) {
      const facts = { ...error.facts, stderrTail: exit?.stderrTail ?? current.child.stderr.tail() };
      active.fail({ ...error, facts }, { restarted, workEnteredChild: true });
    } else {
      // No request to fail (none in flight, or it already ended): report the violation itself.
      this.#emit({ type: 'protocol_violation', generation: this.#generation, error });
    }
  }

  /** Start the next generation (after a backoff); false when the restart limit refused it. */
  #respawn(reason: string): boolean {
    if (this.#state === 'stopping' || this.#state === 'closed') return false;
    const delay = this.#intensity.admit();
    if (delay === null) {
      const { maxRestarts, windowMs } = this.#intensity.options;
      this.#state = 'exhausted';
      this.#lastError = wireError(ErrorCode.RESTART_LIMIT, `${maxRestarts} restarts within ${windowMs} ms`, {
        restarts: maxRestarts,
        windowMs,
        lastReason: reason,
      });
      this.#emit({ type: 'restart_limit', restarts: maxRestarts, windowMs });
      return false;
    }
    this.#state = 'restarting';
    this.#emit({ type: 'restart', generation: this.#generation + 1, reason, delayMs: delay });
    this.#ready = (async () => {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      try {
        await this.#spawnGeneration(reason);
      } catch (error) {
        const wire = error instanceof StartFailure ? error.wire : wireError(ErrorCode.SPAWN, String(error));
        if (this.#state === 'stopping' || this.#state === 'closed') return;
        this.#lastError = wire;
        this.#state = 'dead';
        this.#emit({ type: 'restart_failed', generation: this.#generation + 1, error: wire });
      } finally {
        this.#ready = null;
      }
    })();
    return true;
  }
}
