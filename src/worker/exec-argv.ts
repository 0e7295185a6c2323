/**
 * The Node options a supervisor thread starts with: the caller's, less the ones that describe how
 * the caller's own entry was given. A thread inherits `process.execArgv` by default, which after
 * `node --input-type=module -e <code>` holds the input type and the code itself; Node refuses
 * `--input-type` for a thread whose entry is a file, so the thread would die before it loaded.
 * Also the heap a supervisor thread runs under (`supervisorResourceLimits`).
 */
import type { ResourceLimits, Worker, WorkerOptions } from 'node:worker_threads';

/** Options that take the next argument as their value when written without `=`. */
const ENTRY_OPTIONS_WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);
/** Options that stand alone. */
const ENTRY_FLAGS = new Set(['-i', '--interactive', '-c', '--check']);

/** `execArgv` without the options about the caller's entry point. */
export function supervisorExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const name = arg.startsWith('--') ? (arg.split('=')[0] as string) : arg;
    if (ENTRY_FLAGS.has(arg)) continue;
    if (ENTRY_OPTIONS_WITH_VALUE.has(name)) {
      if (!arg.includes('=')) i += 1;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

/**
 * Start a supervisor thread through `create` (which names its entry). With nothing to drop it
 * inherits the caller's options the way Node does by default (Node itself leaves out the
 * process-wide ones, such as `--expose-gc`). With entry options dropped the rest are passed
 * explicitly, and Node refuses process-wide ones there: then the thread starts with none.
 */
export function startSupervisorWorker(
  create: (options: WorkerOptions) => Worker,
  options: Omit<WorkerOptions, 'execArgv'>,
): Worker {
  const kept = supervisorExecArgv();
  if (kept.length === process.execArgv.length) return create(options);
  try {
    return create({ ...options, execArgv: kept });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return create({ ...options, execArgv: [] });
  }
}

/** Heap ceiling of a supervisor thread whatever its frame cap. @default 256 (MiB) */
export const SUPERVISOR_OLD_GENERATION_MIN_MB = 256;
/** Heap a supervisor thread may use per MiB of frame cap (text, parsed value, its checked copy). */
export const SUPERVISOR_HEAP_MB_PER_FRAME_MB = 32;

/**
 * The heap a supervisor thread gets. A thread inherits the sizing of the process's own heap by
 * default, young generation included, which grows to several MiB while the thread loads and
 * keeps them resident (about 1 MiB of RSS per thread, `bench/thread-rss.ts`); with an
 * old-generation ceiling given, V8 sizes the young generation from it. The ceiling grows with
 * the frame cap: the thread holds a frame's text, its parsed value and the checked copy at once,
 * and a thread past it ends (`ERR_WORKER_OUT_OF_MEMORY`): its request fails with WORKER_UNAVAILABLE.
 */
export function supervisorResourceLimits(maxFrameBytes: number): ResourceLimits {
  const frameMb = Math.ceil(maxFrameBytes / 1_048_576);
  return {
    maxOldGenerationSizeMb: Math.max(
      SUPERVISOR_OLD_GENERATION_MIN_MB,
      SUPERVISOR_HEAP_MB_PER_FRAME_MB * frameMb,
    ),
  };
}
