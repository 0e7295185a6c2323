/**
 * Stopping one child and saying how: already gone, graceful (`terminate`, then wait), graceful
 * that timed out or could not be written (then kill), or kill only. Every path ends with the
 * child reaped or the kill wait spent.
 */
import { encodeRequest } from '../src/protocol/encode.js';
import { alreadyExited, type ShutdownReport } from '../src/protocol/port-messages.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';

type Timeouts = Pick<WorkerLaunchSpec, 'shutdownTimeoutMs' | 'killWaitTimeoutMs'>;

/** The protocol v10 way to ask a child to exit: a `terminate` request. */
export function askTerminate(child: ChildHandle): boolean {
  if (child.process.stdin.destroyed) return false;
  child.process.stdin.write(encodeRequest({ op: 'terminate' }));
  return true;
}

/**
 * Stop `child` (null: there is none) in `mode`; `onKill` runs before a kill is sent, `ask` asks
 * the child to exit by itself (its protocol's way) and says whether the ask was written.
 */
export async function stopChild(
  child: ChildHandle | null,
  mode: 'graceful' | 'kill',
  timeouts: Timeouts,
  onKill: (reason: string) => void,
  ask: (child: ChildHandle) => boolean = askTerminate,
): Promise<ShutdownReport> {
  const t0 = performance.now();
  if (!child || child.exit) return alreadyExited(child?.exit);
  let written = false;
  let gracefulWaitMs = 0;
  if (mode === 'graceful') {
    try {
      child.process.stdout.resume();
      written = ask(child);
    } catch {
      written = false;
    }
    const exit = written ? await child.waitExit(timeouts.shutdownTimeoutMs) : null;
    gracefulWaitMs = performance.now() - t0;
    if (exit)
      return { outcome: 'graceful', elapsedMs: gracefulWaitMs, gracefulWaitMs, killWaitMs: null, exit };
    onKill('shutdown_timeout');
  }
  const t1 = performance.now();
  child.killGroup();
  const exit = await child.waitExit(timeouts.killWaitTimeoutMs);
  const outcome =
    mode === 'kill' ? 'kill_only' : written ? 'graceful_timed_out_killed' : 'graceful_protocol_failed_killed';
  const now = performance.now();
  return { outcome, elapsedMs: now - t0, gracefulWaitMs, killWaitMs: now - t1, exit };
}
