/**
 * The supervisor of one worker child: its generations, the one request in flight, deadlines,
 * cancellation, when to restart, and shutdown; its availability and how it restarts (intensity
 * limit, backoff, the restart under way) are `restarts.ts`. What the child speaks (protocol
 * v10 or the repl) is its driver's business (`driver-contract.ts`). Runs inside a worker thread;
 * the main thread talks to it through `threads/supervisor.ts`.
 */
import type { Readable } from 'node:stream';
import type { MessagePort } from 'node:worker_threads';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type {
  GenerationInfo,
  MemorySample,
  RequestOutcome,
  ShutdownReport,
  SupervisorEvent,
} from '../src/protocol/port-messages.js';
import type { SupervisorConfig } from '../src/protocol/thread-contract.js';
import {
  type AnySupervisorRequest,
  type ChildDriver,
  type Deadline,
  type DriverGeneration,
  type GenerationLink,
  RunningRequest,
} from './driver-contract.js';
import { onChildSpawned, StartFailure, stopChild } from './generation.js';
import { abortedError, exitError, wireError } from './outcome.js';
import { threadPlatform } from './platform/layer.js';
import { unavailableSample } from './platform/tree-memory.js';
import { RowRelay, reportsWait } from './relay.js';
import { CancelBook, Restarts, refusal, staleGeneration } from './restarts.js';
import { InFlightWatch } from './watch.js';

export class SupervisorCore {
  readonly #config: SupervisorConfig;
  readonly #emit: (event: SupervisorEvent) => void;
  readonly #restarts: Restarts;
  readonly #driver: ChildDriver;
  #current: DriverGeneration | null = null;
  #generation = -1;
  #active: RunningRequest | null = null;
  #watch: InFlightWatch | null = null;
  /** The generation a shutdown is stopping, while it waits. */
  #stopping: DriverGeneration | null = null;
  readonly #cancels = new CancelBook();

  constructor(config: SupervisorConfig, driver: ChildDriver, emit: (event: SupervisorEvent) => void) {
    this.#config = config;
    this.#driver = driver;
    this.#emit = emit;
    const spawn = (reason: string) => this.#spawnGeneration(reason);
    this.#restarts = new Restarts(config.restart, emit, () => this.#generation, spawn);
    onChildSpawned((pid, what) =>
      this.#emit(what === 'spawned' ? { type: 'spawned', pid } : { type: 'start_reaped', pid }),
    );
  }

  /** Start the first generation. Rejects with the typed start failure. */
  async start(): Promise<GenerationInfo> {
    if (this.#restarts.state !== 'new')
      throw new StartFailure(wireError(ErrorCode.PROTOCOL, 'supervisor already started'));
    this.#restarts.state = 'starting';
    try {
      return await this.#spawnGeneration('initial');
    } catch (error) {
      this.#restarts.state = 'dead';
      throw error;
    }
  }

  /** Run one request to its single terminal outcome. */
  async request(spec: AnySupervisorRequest, port: MessagePort | null): Promise<RequestOutcome> {
    const refuse = (error: WireError) => refusal(this.#generation, error, port);
    this.#cancels.wait(spec.id);
    if (this.#restarts.ready) await this.#restarts.ready;
    if (this.#cancels.stopWaiting(spec.id)) return refuse(abortedError(spec, 'before_send'));
    const unavailable = this.#restarts.unavailable();
    if (unavailable) return refuse(unavailable);
    if (spec.generation !== this.#generation)
      return refuse(staleGeneration(spec.generation, this.#generation));
    if (this.#active)
      return refuse(wireError(ErrorCode.LEASE_BUSY, 'a request is already in flight on this worker'));
    const current = this.#current as DriverGeneration;
    let active: RunningRequest | null = null;
    const isActive = () => active !== null && this.#active === active;
    const relay = () => port && this.#relay(port, spec.id, current.child.process.stdout, isActive);
    const begun = current.begin(spec, relay, this.#linkFor(current));
    if (!(begun instanceof RunningRequest)) return refuse(begun);
    active = begun;
    this.#active = active;
    this.#restarts.state = 'busy';
    const { timeoutMs, idleTimeoutMs } = spec;
    this.#arm({ operation: spec.request.op, timeoutMs, idleTimeoutMs }, current.child.pid);
    current.child.process.stdout.resume();
    const outcome = await active.done;
    if (outcome.ok && !('preparation' in spec && spec.preparation)) this.#restarts.intensity.succeeded();
    this.#cancels.finished(spec.id);
    this.#watch?.stop();
    this.#watch = null;
    if (this.#active === active) {
      this.#active = null;
      if (this.#restarts.state === 'busy') this.#restarts.state = 'ready';
      if (current === this.#current) current.child.process.stdout.resume();
    }
    return outcome;
  }

  /** Abort request `id`: before it is sent nothing is touched; in flight the child is killed. */
  cancel(id: number, reason = 'aborted'): void {
    const active = this.#active;
    if (active && active.spec.id === id && !active.finished) {
      void this.#killAndRestart(abortedError(active.spec, reason), 'cancelled');
      return;
    }
    this.#cancels.cancel(id);
  }

  /** Replace the child with a fresh generation (graceful stop first). */
  async cycle(reason: string): Promise<GenerationInfo> {
    if (this.#restarts.ready) await this.#restarts.ready;
    const unavailable = this.#restarts.unavailable();
    if (unavailable && unavailable.code !== ErrorCode.WORKER_UNAVAILABLE) throw new StartFailure(unavailable);
    if (this.#active)
      throw new StartFailure(wireError(ErrorCode.LEASE_BUSY, 'cannot cycle during a request'));
    const current = this.#current;
    this.#current = null;
    if (current) await this.#stop(current, 'graceful');
    this.#restarts.respawn(reason, true);
    if (this.#restarts.ready) await this.#restarts.ready;
    const failure = this.#restarts.unavailable();
    if (failure) throw new StartFailure(failure);
    return this.#info();
  }

  /** Memory of the current child tree: `/proc` on Linux (PSS when asked), pidusage elsewhere. */
  async sample(withPss = false): Promise<MemorySample> {
    const pid = this.#current?.child.pid;
    if (pid === undefined) return unavailableSample('none');
    return threadPlatform().sampleTree(pid, withPss);
  }

  /** Stop for good: graceful (terminate, wait, kill) or immediate kill. */
  async shutdown(mode: 'graceful' | 'kill'): Promise<ShutdownReport> {
    const began = performance.now();
    if (this.#restarts.ready) await this.#restarts.ready.catch(() => {});
    this.#restarts.state = 'stopping';
    const current = this.#current;
    this.#current = null;
    if (this.#active) {
      this.#active.fail(wireError(ErrorCode.POOL_CLOSED, 'worker shut down during the request'), {
        restarted: false,
        workEnteredChild: true,
      });
    }
    this.#stopping = current;
    const report = await this.#stop(current, mode);
    this.#stopping = null;
    this.#restarts.state = 'closed';
    return { ...report, elapsedMs: performance.now() - began };
  }

  /** A graceful shutdown under way becomes a kill now (the pool was destroyed meanwhile). */
  killNow(): void {
    const stopping = this.#stopping;
    if (!stopping) return;
    this.#emit({ type: 'kill', generation: this.#generation, reason: 'destroyed' });
    stopping.child.killGroup();
  }

  /** Stop `generation`'s child (terminate the protocol's way, wait, kill) and reap it. */
  #stop(generation: DriverGeneration | null, mode: 'graceful' | 'kill'): Promise<ShutdownReport> {
    return stopChild(
      generation?.child ?? null,
      mode,
      this.#config.launch,
      (reason) => this.#emit({ type: 'kill', generation: this.#generation, reason }),
      () => generation?.askToExit(),
    );
  }

  /**
   * The row relay of request `id`: no credit pauses the child's stdout and suspends the idle
   * deadline (the child is not silent, the consumer is slow), credit resumes both, and a consumer
   * that closes early cancels the request. It steers only while `isActive()`.
   */
  #relay(port: MessagePort, id: number, stdout: Readable, isActive: () => boolean): RowRelay {
    const relay: RowRelay = new RowRelay(port, this.#config.relay, {
      pause: () => {
        if (!isActive()) return;
        stdout.pause();
        this.#watch?.suspendIdle();
        if (reportsWait(relay.waits)) this.#emit({ type: 'backpressure', requestId: id, waits: relay.waits });
      },
      resume: () => {
        if (!isActive()) return;
        stdout.resume();
        this.#watch?.resumeIdle();
      },
      consumerClosed: () => this.cancel(id, 'consumer_closed'),
    });
    return relay;
  }

  /** Start the watchdogs of the request in flight (replacing any running ones) for `deadline`. */
  #arm(deadline: Deadline, pid: number): void {
    this.#watch?.stop();
    this.#watch = new InFlightWatch(this.#config.launch, deadline, pid, (error) => {
      void this.#killAndRestart(error, error.code === ErrorCode.TIMEOUT ? 'timeout' : 'memory_limit');
    });
  }

  #info(): GenerationInfo {
    const { workerVersion, protocolVersion, child, spawnHandshakeMs } = this.#current as DriverGeneration;
    return { generation: this.#generation, workerVersion, protocolVersion, pid: child.pid, spawnHandshakeMs };
  }

  async #spawnGeneration(reason: string): Promise<GenerationInfo> {
    const started = await this.#driver(this.#config.launch);
    if (this.#restarts.stopping) {
      started.child.killGroup();
      await started.child.waitExit(this.#config.launch.killWaitTimeoutMs);
      throw new StartFailure(wireError(ErrorCode.POOL_CLOSED, 'worker shut down while starting'));
    }
    this.#current = started;
    this.#generation += 1;
    this.#restarts.state = 'ready';
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
      rearm: (deadline) => {
        if (this.#current === started && this.#active) this.#arm(deadline, started.child.pid);
      },
      abandon: (error) => {
        if (this.#current === started) void this.#killAndRestart(error, 'protocol');
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
      const restarted = this.#restarts.respawn(exit.success ? 'child_exit' : 'child_crash');
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
    const restarted = this.#restarts.respawn(reason);
    if (active && !active.finished) {
      const facts = { ...error.facts, stderrTail: exit?.stderrTail ?? current.child.stderr.tail() };
      active.fail({ ...error, facts }, { restarted, workEnteredChild: true });
    } else {
      // No request to fail (none in flight, or it already ended): report the violation itself.
      this.#emit({ type: 'protocol_violation', generation: this.#generation, error });
    }
  }
}
