/**
 * A fake of the platform layers' process runner: it records every signal, command and pidusage
 * call a layer makes, and answers with the figures or errors a test sets.
 */
import type { ProcessRunner, RunResult } from '../../threads/platform/runner.js';

export interface FakeRunner extends ProcessRunner {
  readonly signals: Array<[number, NodeJS.Signals]>;
  readonly commands: Array<[string, readonly string[]]>;
  readonly usageCalls: number[][];
}

export interface FakeAnswers {
  /** Throw this from `signal` (as `process.kill` does for a gone group). */
  signalError?: Error;
  /** What `run` resolves with, or the error it rejects with. */
  run?: RunResult | Error;
  /** Bytes per pid that `usage` reports, or the error it rejects with. */
  usage?: Record<number, number> | Error;
}

export function fakeRunner(answers: FakeAnswers = {}): FakeRunner {
  const signals: Array<[number, NodeJS.Signals]> = [];
  const commands: Array<[string, readonly string[]]> = [];
  const usageCalls: number[][] = [];
  return {
    signals,
    commands,
    usageCalls,
    signal(pid, signal) {
      signals.push([pid, signal]);
      if (answers.signalError) throw answers.signalError;
    },
    async run(file, args) {
      commands.push([file, args]);
      if (answers.run instanceof Error) throw answers.run;
      return answers.run ?? { code: 0, stdout: '', stderr: '' };
    },
    async usage(pids) {
      usageCalls.push([...pids]);
      if (answers.usage instanceof Error) throw answers.usage;
      const figures = answers.usage ?? {};
      return new Map(pids.filter((p) => figures[p] !== undefined).map((p) => [p, figures[p] as number]));
    },
  };
}

/** Let the promise callbacks a layer chained (taskkill's result) run. */
export const settle = () => new Promise((resolve) => setImmediate(resolve));
