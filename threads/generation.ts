/**
 * Starting one generation of a child: spawn (shared by every child kind), then for protocol v10
 * read the handshake within the startup deadline and send `configure_frame_limit`. Every failure
 * kills and reaps the child and comes back typed, with the child's exit and stderr tail where
 * there is one.
 */
import { FrameDecoder, FrameError, type FrameSpans } from '../src/protocol/codec.js';
import { clampFrameLimit, DEFAULT_FRAME_BYTES, PROTOCOL_VERSION } from '../src/protocol/constants.js';
import { decodeChildFrame } from '../src/protocol/decode.js';
import { encodeConfigureFrameLimit } from '../src/protocol/encode.js';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { WorkerLaunchSpec } from '../src/worker-spec.js';
import { ChildHandle, resolveExecutable, spawnErrorFacts } from './child-process.js';
import { wireError } from './outcome.js';

export interface StartedChild {
  readonly child: ChildHandle;
  readonly decoder: FrameDecoder;
  readonly workerVersion: string;
  readonly protocolVersion: number;
  readonly frameLimit: number;
  readonly spawnHandshakeMs: number;
}

/** A generation that could not start. */
export class StartFailure extends Error {
  readonly wire: WireError;
  constructor(wire: WireError) {
    super(wire.message);
    this.wire = wire;
  }
}

/**
 * Told the pid of every child spawned in this thread as soon as it exists, before any handshake,
 * so the main thread can guard its process group from the start. One supervisor per thread sets it.
 */
let spawnListener: ((pid: number, what: 'spawned' | 'reaped') => void) | null = null;

export function onChildSpawned(listener: ((pid: number, what: 'spawned' | 'reaped') => void) | null): void {
  spawnListener = listener;
}

/** Spawn the child (no shell), or throw `StartFailure` with a typed `SPAWN` error. */
export async function spawnChild(launch: WorkerLaunchSpec): Promise<ChildHandle> {
  let child: ChildHandle;
  try {
    resolveExecutable(launch.command, launch.env, launch.cwd);
    child = await ChildHandle.start({
      command: launch.command,
      args: launch.args,
      env: launch.env,
      cwd: launch.cwd,
      stderrTailBytes: launch.stderrTailBytes,
    });
  } catch (error) {
    const facts = spawnErrorFacts(error, launch.command);
    throw new StartFailure(
      wireError(
        ErrorCode.SPAWN,
        `cannot start worker child ${launch.command}: ${(error as Error).message}`,
        facts,
      ),
    );
  }
  spawnListener?.(child.pid, 'spawned');
  return child;
}

/** Kill and reap a child that failed to get ready; the failure gains its exit and stderr tail. */
export async function failedStart(
  child: ChildHandle,
  launch: WorkerLaunchSpec,
  error: unknown,
): Promise<StartFailure> {
  child.killGroup();
  const exit = await child.waitExit(launch.killWaitTimeoutMs);
  if (exit) spawnListener?.(child.pid, 'reaped');
  const wire = (error as StartFailure).wire ?? wireError(ErrorCode.HANDSHAKE, String(error));
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

/** Spawn the child and complete the handshake, or throw `StartFailure`. */
export async function startChild(launch: WorkerLaunchSpec): Promise<StartedChild> {
  const began = performance.now();
  const child = await spawnChild(launch);
  const decoder = new FrameDecoder(DEFAULT_FRAME_BYTES);
  const frameLimit = clampFrameLimit(launch.maxFrameBytes);
  try {
    const handshake = await readHandshake(
      child,
      decoder,
      launch.startupTimeoutMs,
      launch.expectedWorkerVersion,
    );
    child.process.stdout.pause();
    child.process.stdin.write(encodeConfigureFrameLimit(frameLimit));
    decoder.maxFrameBytes = frameLimit;
    return {
      child,
      decoder,
      workerVersion: handshake.workerVersion,
      protocolVersion: handshake.protocolVersion,
      frameLimit,
      spawnHandshakeMs: performance.now() - began,
    };
  } catch (error) {
    throw await failedStart(child, launch, error);
  }
}

/** Read the handshake; `expectedWorkerVersion`, when set, is the only worker version accepted. */
function readHandshake(
  child: ChildHandle,
  decoder: FrameDecoder,
  timeoutMs: number,
  expectedWorkerVersion: string | undefined,
): Promise<{ workerVersion: string; protocolVersion: number }> {
  const stdout = child.process.stdout;
  return new Promise((resolve, reject) => {
    const fail = (wire: WireError) => {
      cleanup();
      reject(new StartFailure(wire));
    };
    const onData = (chunk: Buffer) => {
      let read: FrameSpans;
      try {
        read = decoder.split(chunk);
      } catch (error) {
        const e = error as FrameError;
        fail(
          wireError(ErrorCode.HANDSHAKE, `invalid handshake: ${e.message}`, { reason: e.reason, ...e.facts }),
        );
        return;
      }
      const { buffer, spans } = read;
      if (spans.length === 0) return;
      if (spans.length > 2 || decoder.bufferedBytes > 0) {
        fail(
          wireError(ErrorCode.HANDSHAKE, 'child wrote more than the handshake', {
            reason: 'unexpected_message',
          }),
        );
        return;
      }
      try {
        const message = decodeChildFrame(buffer, spans[0] as number, spans[1] as number);
        if (message.type !== 'handshake') {
          fail(
            wireError(ErrorCode.HANDSHAKE, `first frame was ${message.type}, not handshake`, {
              reason: 'unexpected_message',
              messageType: message.type,
            }),
          );
          return;
        }
        if (message.body.protocol_version !== PROTOCOL_VERSION) {
          fail(
            wireError(ErrorCode.HANDSHAKE, `child speaks protocol ${message.body.protocol_version}`, {
              reason: 'version_mismatch',
              expected: PROTOCOL_VERSION,
              actual: message.body.protocol_version,
            }),
          );
          return;
        }
        const actual = message.body.worker_version;
        if (expectedWorkerVersion !== undefined && actual !== expectedWorkerVersion) {
          fail(
            wireError(
              ErrorCode.HANDSHAKE,
              `child reports worker version ${actual}, not ${expectedWorkerVersion}`,
              {
                reason: 'worker_version_mismatch',
                expected: expectedWorkerVersion,
                actual,
              },
            ),
          );
          return;
        }
        cleanup();
        resolve({
          workerVersion: message.body.worker_version,
          protocolVersion: message.body.protocol_version,
        });
      } catch (error) {
        const e = error as FrameError;
        fail(
          wireError(ErrorCode.HANDSHAKE, `invalid handshake: ${e.message}`, {
            reason: e instanceof FrameError ? e.reason : 'invalid_message',
            ...(e instanceof FrameError ? e.facts : {}),
          }),
        );
      }
    };
    const onExit = () =>
      fail(
        wireError(ErrorCode.HANDSHAKE, 'child exited before the handshake', {
          reason: 'exited_before_handshake',
        }),
      );
    const timer = setTimeout(
      () =>
        fail(
          wireError(ErrorCode.TIMEOUT, `no handshake within ${timeoutMs} ms`, {
            operation: 'startup',
            timeoutMs,
            kind: 'total',
          }),
        ),
      timeoutMs,
    );
    const unwatch = child.whenStdoutClosedAlive(() =>
      fail(
        wireError(ErrorCode.HANDSHAKE, 'child closed its stdout before the handshake', {
          reason: decoder.bufferedBytes > 0 ? 'truncated' : 'stdout_closed',
        }),
      ),
    );
    const cleanup = () => {
      unwatch();
      clearTimeout(timer);
      stdout.off('data', onData);
      child.process.off('exit', onExit);
    };
    stdout.on('data', onData);
    child.process.once('exit', onExit);
  });
}
