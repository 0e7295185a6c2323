/**
 * Starting and stopping one child process. No shell, ever. How the child is guarded and killed is
 * the platform layer's (`platform/`): on Linux and macOS it leads its own process group (so a kill
 * reaches grandchildren such as `lake` -> `lean`) and, on Linux, runs under `setpriv --pdeathsig
 * SIGKILL`, so it dies with the thread that spawned it, however that ends; on Windows it stays in
 * libuv's job object and a kill is `taskkill /T /F`. When this process is PID 1 (Linux) the child
 * runs under a launcher that gives it a PID namespace of its own (`pid-namespace.ts`); its exit
 * and its kills then go through that launcher.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { ChildExitInfo } from '../src/protocol/port-messages.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import { killNamespace, launcherExit } from './pid-namespace.js';
import { threadPlatform } from './platform/layer.js';
import { childPriorityPrefix, lowerChildPriority } from './priority.js';

/** How long stdio may stay open after the child exited before descendants are killed. */
const EXIT_STDIO_GRACE_MS = 250;

export interface SpawnOptions
  extends Pick<WorkerLaunchSpec, 'command' | 'args' | 'env' | 'cwd' | 'stderrTailBytes'> {
  /** Argv to run the command under (the PID-namespace launcher), or none. */
  readonly launcher?: readonly string[];
}

/**
 * A bounded tail of a child's stderr. The stream is drained continuously, so a chatty child never
 * blocks on a full pipe, and memory stays at `capacity` bytes whatever the child writes.
 */
class StderrRing {
  readonly #capacity: number;
  #chunks: Buffer[] = [];
  #held = 0;
  #total = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    if (chunk.length >= this.#capacity) {
      this.#chunks = [Buffer.from(chunk.subarray(chunk.length - this.#capacity))];
      this.#held = this.#capacity;
      return;
    }
    this.#chunks.push(chunk);
    this.#held += chunk.length;
    while (this.#held > this.#capacity) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#held - this.#capacity;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#held -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#held -= excess;
      }
    }
  }

  /** The held tail as text, with a note of how much was dropped before it. */
  tail(): string {
    const text = Buffer.concat(this.#chunks, this.#held)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
    const dropped = this.#total - this.#held;
    return dropped > 0 ? `… (${dropped} bytes truncated)\n${text}` : text;
  }
}

/** A live child with its exit tracked. `exited` settles once the process is gone and stdio closed. */
export class ChildHandle {
  readonly process: ChildProcessWithoutNullStreams;
  readonly pid: number;
  readonly stderr: StderrRing;
  readonly exited: Promise<ChildExitInfo>;
  /** `pid` is the PID-namespace launcher, the child its only child. */
  readonly namespaced: boolean;
  #exit: ChildExitInfo | null = null;
  readonly #platform = threadPlatform();

  private constructor(proc: ChildProcessWithoutNullStreams, stderrTailBytes: number, namespaced: boolean) {
    this.process = proc;
    this.namespaced = namespaced;
    this.pid = proc.pid as number;
    this.stderr = new StderrRing(stderrTailBytes);
    proc.stderr.on('data', (chunk: Buffer) => this.stderr.push(chunk));
    // Writes to a dead child's stdin fail with EPIPE; the exit path reports the real cause.
    proc.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.#exit) return;
        const exit = { code, signal, success: code === 0, stderrTail: this.stderr.tail() };
        this.#exit = namespaced ? launcherExit(exit) : exit;
        resolve(this.#exit);
      };
      proc.once('close', finish);
      // A descendant can hold stdout open after the child itself exited: give stdio a short grace,
      // then kill the tree and close our ends so the exit is still observed.
      proc.once('exit', (code, signal) => {
        setTimeout(() => {
          if (this.#exit) return;
          if (this.#platform.treeOutlivesChild) this.#platform.killTree(this.pid, 'SIGKILL', () => {});
          proc.stdout.destroy();
          proc.stderr.destroy();
          finish(code, signal);
        }, EXIT_STDIO_GRACE_MS).unref();
      });
    });
  }

  /** The exit facts once the child is gone, else null. */
  get exit(): ChildExitInfo | null {
    return this.#exit;
  }

  /** Spawn; rejects with the OS error (ENOENT, EACCES, ...) if the process could not start. */
  static start(options: SpawnOptions): Promise<ChildHandle> {
    const launcher = options.launcher ?? [];
    const argv = [...childPriorityPrefix(), ...launcher, options.command, ...options.args];
    return new Promise((resolve, reject) => {
      let proc: ChildProcessWithoutNullStreams;
      try {
        const plan = threadPlatform().spawnPlan(argv, options.env, options.cwd ?? process.cwd());
        proc = spawn(plan.file, [...plan.args], {
          cwd: options.cwd,
          env: { ...options.env },
          stdio: ['pipe', 'pipe', 'pipe'],
          detached: plan.detached,
          shell: false,
          windowsHide: true,
        });
      } catch (error) {
        reject(error);
        return;
      }
      const onError = (error: Error) => reject(error);
      proc.once('error', onError);
      proc.once('spawn', () => {
        proc.off('error', onError);
        proc.on('error', () => {});
        lowerChildPriority(proc.pid as number);
        resolve(new ChildHandle(proc, options.stderrTailBytes, launcher.length > 0));
      });
    });
  }

  /**
   * Kill the child's whole tree (its process group, or `taskkill /T` on Windows). Under the
   * namespace launcher only the child is killed, which takes its namespace with it, so that the
   * launcher outlives it.
   */
  killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.#exit) return;
    const proc = this.process;
    if (this.namespaced && proc.exitCode === null && proc.signalCode === null) {
      killNamespace(this.pid, () => proc.exitCode !== null || proc.signalCode !== null);
      return;
    }
    this.#platform.killTree(this.pid, signal, () => {
      try {
        proc.kill(signal);
      } catch {
        // already gone
      }
    });
  }

  /**
   * Call `onClosed` when the child closed its stdout yet still runs a short grace later: it can no
   * longer speak the protocol, and nothing else would notice. Returns a function that stops watching.
   */
  whenStdoutClosedAlive(onClosed: () => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const onEnd = () => {
      timer = setTimeout(() => {
        if (this.process.exitCode === null && this.process.signalCode === null) onClosed();
      }, EXIT_STDIO_GRACE_MS);
      timer.unref();
    };
    this.process.stdout.once('end', onEnd);
    return () => {
      this.process.stdout.off('end', onEnd);
      if (timer) clearTimeout(timer);
    };
  }

  /** Wait up to `ms` for the exit; resolves null on time-out. */
  waitExit(ms: number): Promise<ChildExitInfo | null> {
    if (this.#exit) return Promise.resolve(this.#exit);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), ms);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
  }
}
