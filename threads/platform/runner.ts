/**
 * What the platform layers do to processes, behind one seam: signal a pid, run a command to its
 * end, read memory through pidusage. Production uses Node's (`nodeRunner`); tests pass fakes to
 * see the commands a layer would run and to feed it figures and errors.
 */
import { execFile } from 'node:child_process';

/** A finished command: its exit status (null when a signal ended it) and output. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessRunner {
  /** Send `signal` to `pid` (negative: a process group), as `process.kill`; throws when there is none. */
  signal(pid: number, signal: NodeJS.Signals): void;
  /** Run `file` with `args` (no shell) to its end; rejects when it cannot start or passes `timeoutMs`. */
  run(file: string, args: readonly string[], timeoutMs: number): Promise<RunResult>;
  /** Resident memory in bytes of each pid that still runs (pidusage); a pid that is gone is left out. */
  usage(pids: readonly number[]): Promise<ReadonlyMap<number, number>>;
}

let pidusageModule: Promise<typeof import('pidusage')> | null = null;

async function usage(pids: readonly number[]): Promise<ReadonlyMap<number, number>> {
  // Loaded on first use only: the Linux layer never needs it.
  pidusageModule ??= import('pidusage').then((m) => m.default);
  const pidusage = await pidusageModule;
  const out = new Map<number, number>();
  if (pids.length === 0) return out;
  try {
    const stats = await pidusage([...pids]);
    for (const pid of pids) {
      const stat = stats[String(pid)];
      if (stat) out.set(pid, stat.memory);
    }
  } catch {
    // One pid gone fails the whole call (`ps -p` exits 1): ask for each alone.
    const each = await Promise.allSettled(pids.map((pid) => pidusage(pid)));
    each.forEach((result, i) => {
      if (result.status === 'fulfilled') out.set(pids[i] as number, result.value.memory);
    });
  }
  return out;
}

/** The runner of this process. */
export const nodeRunner: ProcessRunner = {
  signal: (pid, signal) => {
    process.kill(pid, signal);
  },
  run: (file, args, timeoutMs) =>
    new Promise((resolve, reject) => {
      execFile(
        file,
        [...args],
        { timeout: timeoutMs, windowsHide: true, encoding: 'utf8', maxBuffer: 16 << 20, shell: false },
        (error, stdout, stderr) => {
          if (error && (typeof error.code === 'string' || error.killed)) reject(error);
          else
            resolve({
              code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
              stdout,
              stderr,
            });
        },
      );
    }),
  usage,
};
