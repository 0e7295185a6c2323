/**
 * The protocol v10 start exchange, as the original parent runs it: read the child's handshake,
 * send `configure_frame_limit` and `health`, and require `health_ok`, all within the startup
 * deadline. A violation is HANDSHAKE (with `phase`), a missed deadline TIMEOUT, and an exit
 * before the child is ready an `ExitedDuringStart` that the caller turns into CHILD_EXIT or
 * CHILD_CRASH once the exit is reaped.
 */
import { FrameDecoder, FrameError, type FrameSpans } from '../src/protocol/codec.js';
import { clampFrameLimit, DEFAULT_FRAME_BYTES, PROTOCOL_VERSION } from '../src/protocol/constants.js';
import { decodeChildFrame } from '../src/protocol/decode.js';
import { encodeConfigureFrameLimit, encodeRequest } from '../src/protocol/encode.js';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { ChildMessage } from '../src/protocol/messages.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';
import { WireFailure, wireError } from './outcome.js';

export type StartPhase = 'handshake' | 'health';

/** The child exited before it was ready; its exit facts are known once it is reaped. */
export class ExitedDuringStart extends Error {
  readonly phase: StartPhase;
  constructor(phase: StartPhase) {
    super(`child exited before the ${phase === 'handshake' ? 'handshake' : 'health answer'}`);
    this.phase = phase;
  }
}

/** The error for a child that exited during the start exchange: a clean exit or a crash. */
export function exitedError(
  phase: StartPhase,
  exit: { readonly code: number | null; readonly signal: string | null },
): WireError {
  const facts = {
    operation: 'startup',
    phase,
    reason: phase === 'handshake' ? 'exited_before_handshake' : 'exited_before_health',
  };
  if (exit.code === 0 && exit.signal === null)
    return wireError(ErrorCode.CHILD_EXIT, `worker child exited with status 0 before its ${phase}`, facts);
  const how = exit.signal ?? `exit code ${exit.code}`;
  return wireError(ErrorCode.CHILD_CRASH, `worker child died before its ${phase} (${how})`, facts);
}

export interface Exchanged {
  readonly workerVersion: string;
  readonly protocolVersion: number;
  /** The decoder of the child's stdout, at the frame limit the child was told. */
  readonly decoder: FrameDecoder;
  readonly frameLimit: number;
}

/** A HANDSHAKE error of `phase`. */
function refused(phase: StartPhase, message: string, facts: Record<string, unknown>): WireError {
  return wireError(ErrorCode.HANDSHAKE, message, { phase, ...facts });
}

function handshakeViolation(
  message: ChildMessage,
  expectedWorkerVersion: string | undefined,
): WireError | null {
  if (message.type !== 'handshake') {
    const facts = { reason: 'unexpected_message', messageType: message.type };
    return refused('handshake', `first frame was ${message.type}, not handshake`, facts);
  }
  const { protocol_version: protocol, worker_version: actual } = message.body;
  if (protocol !== PROTOCOL_VERSION) {
    const facts = { reason: 'version_mismatch', expected: PROTOCOL_VERSION, actual: protocol };
    return refused('handshake', `child speaks protocol ${protocol}`, facts);
  }
  if (expectedWorkerVersion !== undefined && actual !== expectedWorkerVersion) {
    const facts = { reason: 'worker_version_mismatch', expected: expectedWorkerVersion, actual };
    const message = `child reports worker version ${actual}, not ${expectedWorkerVersion}`;
    return refused('handshake', message, facts);
  }
  return null;
}

function healthViolation(message: ChildMessage): WireError | null {
  const status = message.type === 'response' ? message.body.status : null;
  if (status === 'health_ok') return null;
  if (message.type === 'response' && message.body.status === 'error') {
    const { code, message: text } = message.body;
    const facts = { reason: 'health_failed', workerCode: code, workerMessage: text };
    return refused('health', `child failed its start health check: ${text}`, facts);
  }
  const facts = { reason: 'unexpected_message', messageType: message.type, status };
  return refused('health', `child answered health with ${status ?? message.type}`, facts);
}

/**
 * Run the start exchange on `child`. On success nothing more than the handshake and the health
 * answer has been read, and stdout is paused for the generation to take over.
 */
export function runStartExchange(child: ChildHandle, launch: WorkerLaunchSpec): Promise<Exchanged> {
  const stdout = child.process.stdout;
  const decoder = new FrameDecoder(DEFAULT_FRAME_BYTES);
  const frameLimit = clampFrameLimit(launch.maxFrameBytes);
  let phase: StartPhase = 'handshake';
  let exchanged: Exchanged | null = null;
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      cleanup();
      reject(error);
    };
    const violation = (wire: WireError) => fail(new WireFailure(wire));
    const invalid = (e: FrameError) => {
      const facts =
        e instanceof FrameError ? { reason: e.reason, ...e.facts } : { reason: 'invalid_message' };
      violation(refused(phase, `invalid ${phase}: ${e.message}`, facts));
    };
    const onData = (chunk: Buffer) => {
      let read: FrameSpans;
      try {
        read = decoder.split(chunk);
      } catch (error) {
        invalid(error as FrameError);
        return;
      }
      const { buffer, spans } = read;
      for (let i = 0; i < spans.length; i += 2) {
        let message: ChildMessage;
        try {
          message = decodeChildFrame(buffer, spans[i] as number, spans[i + 1] as number);
        } catch (error) {
          invalid(error as FrameError);
          return;
        }
        const wrong =
          phase === 'handshake'
            ? handshakeViolation(message, launch.expectedWorkerVersion)
            : healthViolation(message);
        if (wrong) {
          violation(wrong);
          return;
        }
        // Each answer must be the last thing read: the child has not been asked anything more.
        if (i + 2 < spans.length || decoder.bufferedBytes > 0) {
          const what = phase === 'handshake' ? 'the handshake' : 'the health answer';
          violation(refused(phase, `child wrote more than ${what}`, { reason: 'unexpected_message' }));
          return;
        }
        if (message.type === 'handshake') {
          const { worker_version: workerVersion, protocol_version: protocolVersion } = message.body;
          exchanged = { workerVersion, protocolVersion, decoder, frameLimit };
          phase = 'health';
          child.process.stdin.write(encodeConfigureFrameLimit(frameLimit));
          child.process.stdin.write(encodeRequest({ op: 'health' }, frameLimit));
          decoder.maxFrameBytes = frameLimit;
        } else {
          cleanup();
          stdout.pause();
          resolve(exchanged as Exchanged);
        }
      }
    };
    const onExit = () => fail(new ExitedDuringStart(phase));
    const timeoutMs = launch.startupTimeoutMs;
    const timer = setTimeout(() => {
      const what = phase === 'handshake' ? 'handshake' : 'health answer';
      const facts = { operation: 'startup', phase, timeoutMs, kind: 'total' };
      violation(wireError(ErrorCode.TIMEOUT, `no ${what} within ${timeoutMs} ms`, facts));
    }, timeoutMs);
    const unwatch = child.whenStdoutClosedAlive(() => {
      const reason = decoder.bufferedBytes > 0 ? 'truncated' : 'stdout_closed';
      violation(refused(phase, `child closed its stdout before the ${phase}`, { reason }));
    });
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
