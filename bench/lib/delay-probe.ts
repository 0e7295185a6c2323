/**
 * The machine's floor measured beside a window, not before it: a separate idle Node process
 * (`delay-probe-child.ts`) records its own event-loop delay over the same window as main. On a
 * VM the host's noise comes and goes over seconds, so a floor measured in the window before can
 * miss what the window itself met; a process sharing nothing with the pool (no thread, no heap,
 * no address space) feels the machine, not the pool. Pinned with `taskset` to the CPUs main has
 * to itself when the pool keeps to others (Linux, util-linux).
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';

export interface ProbeFigures {
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class DelayProbe {
  readonly #child: ChildProcess | null;

  private constructor(child: ChildProcess | null) {
    this.#child = child;
  }

  /** No probe (`--no-probe`, to see what the probe costs main): its figures are NaN. */
  static none(): DelayProbe {
    return new DelayProbe(null);
  }

  /** Start the probe process, on `cpus` only when given. */
  static async start(cpus?: readonly number[]): Promise<DelayProbe> {
    const child = fork(new URL('./delay-probe-child.js', import.meta.url), { stdio: 'inherit' });
    await once(child, 'spawn');
    if (cpus && child.pid !== undefined) {
      spawnSync('taskset', ['-p', '-c', cpus.join(','), String(child.pid)], { stdio: 'ignore' });
    }
    return new DelayProbe(child);
  }

  /** Run `work` while the probe records; the probe's figures of that window beside its result. */
  async during<T>(work: () => Promise<T>): Promise<[T, ProbeFigures]> {
    if (!this.#child) return [await work(), { p99Ms: Number.NaN, maxMs: Number.NaN }];
    await this.#ask('begin');
    const result = await work();
    return [result, (await this.#ask('end')) as ProbeFigures];
  }

  async #ask(message: 'begin' | 'end'): Promise<unknown> {
    const child = this.#child as ChildProcess;
    const answer = once(child, 'message');
    child.send(message);
    const [reply] = await answer;
    return reply;
  }

  async close(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.disconnect();
    await exited;
  }
}
