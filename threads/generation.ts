/**
 * Starting and stopping one generation of a child. Starting: spawn (under the PID-namespace
 * launcher when this process is PID 1), then the driver makes the child ready (the v10 start
 * exchange, the repl's header import). Every failure kills and reaps the child and comes back
 * typed, with the child's exit and stderr tail where there is one; a child that exits before it is
 * ready is a CHILD_EXIT (status 0) or CHILD_CRASH (any other status, or a signal).
 */
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { alreadyExited, type ShutdownReport } from '../src/protocol/port-messages.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import { ChildHandle } from './child-process.js';
import type { DriverGeneration } from './driver-contract.js';
import { WireFailure, wireError } from './outcome.js';
import { childLauncher } from './pid-namespace.js';
import { threadPlatform } from './platform/layer.js';

/** A generation that could not start. */
export class StartFailure extends WireFailure {}

export type StartPhase = 'handshake' | 'health';

/** The child exited before it was ready; its exit facts are known once it is reaped. */
export class ExitedDuringStart extends Error {
  constructor(readonly phase: StartPhase) {
    super(`child exited before the ${phase === 'handshake' ? 'handshake' : 'health answer'}`);
  }
}

/** The error for a child that exited during the start exchange: a clean exit or a crash. */
export function exitedError(
  phase: StartPhase,
  exit: { readonly code: number | null; readonly signal: string | null },
): WireError {
  const facts = { operation: 'startup', phase, reason: `exited_before_${phase}` };
  if (exit.code === 0 && exit.signal === null)
    return wireError(ErrorCode.CHILD_EXIT, `worker child exited with status 0 before its ${phase}`, facts);
  const how = exit.signal ?? `exit code ${exit.code}`;
  return wireError(ErrorCode.CHILD_CRASH, `worker child died before its ${phase} (${how})`, facts);
}

/**
 * Told the pid of every child spawned in this thread as soon as it exists, before any handshake,
 * so the main thread can guard its process group from the start. One supervisor per thread sets it.
 */
type SpawnListener = (pid: number, what: 'spawned' | 'reaped') => void;
let spawnListener: SpawnListener | null = null;

export function onChildSpawned(listener: SpawnListener | null): void {
  spawnListener = listener;
}

/** Spawn the child (no shell), or throw `StartFailure` with a typed `SPAWN` error. */
async function spawnChild(launch: WorkerLaunchSpec): Promise<ChildHandle> {
  let child: ChildHandle;
  try {
    // Found as this platform finds executables (PATH, and `PATHEXT` on Windows) before spawning,
    // so spawn failures are typed (ENOENT, EACCES, EINVAL) even when started through `setpriv`.
    threadPlatform().resolveExecutable(launch.command, launch.env, launch.cwd ?? process.cwd());
    const launcher = await childLauncher();
    if ('error' in launcher) throw new StartFailure(launcher.error);
    child = await ChildHandle.start({ ...launch, launcher: launcher.prefix });
  } catch (error) {
    throw error instanceof StartFailure ? error : spawnFailure(error, launch);
  }
  spawnListener?.(child.pid, 'spawned');
  return child;
}

function spawnFailure(error: unknown, { command }: WorkerLaunchSpec): StartFailure {
  const { message, code, syscall } = error as NodeJS.ErrnoException;
  const facts = { command, errno: code ?? null, syscall: syscall ?? null };
  const text = `cannot start worker child ${command}: ${message}`;
  return new StartFailure(wireError(ErrorCode.SPAWN, text, facts));
}

/** Kill and reap a child that failed to get ready; the failure gains its exit and stderr tail. */
async function failedStart(
  child: ChildHandle,
  launch: WorkerLaunchSpec,
  error: unknown,
): Promise<StartFailure> {
  child.killGroup();
  const exit = await child.waitExit(launch.killWaitTimeoutMs);
  if (exit) spawnListener?.(child.pid, 'reaped');
  const wire =
    error instanceof ExitedDuringStart
      ? exitedError(error.phase, exit ?? { code: child.process.exitCode, signal: child.process.signalCode })
      : error instanceof WireFailure
        ? error.wire
        : wireError(ErrorCode.HANDSHAKE, String(error));
  return new StartFailure({
    ...wire,
    facts: {
      ...wire.facts,
      exitCode: exit?.code ?? null,
      signal: exit?.signal ?? null,
      stderrTail: exit?.stderrTail ?? child.stderr.tail(),
    },
  });
}

/**
 * Spawn a child and make it ready with `ready` (given the child and when the spawn began), or
 * throw `StartFailure` with the child killed and reaped.
 */
export async function startGeneration(
  launch: WorkerLaunchSpec,
  ready: (child: ChildHandle, began: number) => Promise<DriverGeneration>,
): Promise<DriverGeneration> {
  const began = performance.now();
  const child = await spawnChild(launch);
  try {
    return await ready(child, began);
  } catch (error) {
    throw await failedStart(child, launch, error);
  }
}

/**
 * Stop `child` (null: there is none) in `mode` and say how: already gone, graceful (`ask` the
 * child to exit its protocol's way, then wait), graceful that timed out or could not be written
 * (then kill), or kill only; `onKill` runs before a kill is sent. Every path ends with the child
 * reaped or the kill wait spent.
 */
export async function stopChild(
  child: ChildHandle | null,
  mode: 'graceful' | 'kill',
  launch: WorkerLaunchSpec,
  onKill: (reason: string) => void,
  ask: () => void,
): Promise<ShutdownReport> {
  const t0 = performance.now();
  if (!child || child.exit) return alreadyExited(child?.exit);
  let written = false;
  let gracefulWaitMs = 0;
  if (mode === 'graceful') {
    try {
      child.process.stdout.resume();
      written = !child.process.stdin.destroyed;
      if (written) ask();
    } catch {
      written = false;
    }
    const exit = written ? await child.waitExit(launch.shutdownTimeoutMs) : null;
    gracefulWaitMs = performance.now() - t0;
    if (exit)
      return { outcome: 'graceful', elapsedMs: gracefulWaitMs, gracefulWaitMs, killWaitMs: null, exit };
    onKill('shutdown_timeout');
  }
  const t1 = performance.now();
  child.killGroup();
  const exit = await child.waitExit(launch.killWaitTimeoutMs);
  const outcome =
    mode === 'kill' ? 'kill_only' : written ? 'graceful_timed_out_killed' : 'graceful_protocol_failed_killed';
  const now = performance.now();
  return { outcome, elapsedMs: now - t0, gracefulWaitMs, killWaitMs: now - t1, exit };
}
