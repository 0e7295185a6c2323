/**
 * The lean-rs-worker protocol v10 driver: length-prefixed JSON frames, a handshake from the
 * child, one request in flight, rows and diagnostics before exactly one terminal response.
 *
 * The start exchange is the one the original parent runs: read the child's handshake, send
 * `configure_frame_limit` and `health`, and require `health_ok`, all within the startup
 * deadline. A violation is HANDSHAKE (with `phase`), a missed deadline TIMEOUT, and an exit
 * before the child is ready an `ExitedDuringStart` that `generation.ts` turns into CHILD_EXIT or
 * CHILD_CRASH once the exit is reaped.
 */
import { FrameDecoder, FrameError, type FrameSpans } from '../src/protocol/codec.js';
import { clampFrameLimit, DEFAULT_FRAME_BYTES, PROTOCOL_VERSION } from '../src/protocol/constants.js';
import { decodeChildFrame, RowFrameReader } from '../src/protocol/decode.js';
import { encodeConfigureFrameLimit, encodeRequest } from '../src/protocol/encode.js';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../src/protocol/json-depth.js';
import type { ChildMessage, Request } from '../src/protocol/messages.js';
import { type AnySupervisorRequest, isReplRequest } from '../src/protocol/thread-contract.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { ChildHandle } from './child-process.js';
import {
  type ChildDriver,
  type DriverGeneration,
  type GenerationLink,
  protocolViolation,
  wrongKind,
} from './driver-contract.js';
import { ExitedDuringStart, type StartPhase, startGeneration } from './generation.js';
import { WireFailure, wireError } from './outcome.js';
import type { RowRelay } from './relay.js';
import { ActiveRequest } from './request.js';

/** The driver of v10 children; `maxJsonDepth` bounds the nesting of the JSON values a child sends. */
export function v10Driver(maxJsonDepth: number = DEFAULT_MAX_JSON_DEPTH): ChildDriver {
  return (launch) =>
    startGeneration(launch, async (child, began) => {
      const exchanged = await runStartExchange(child, launch);
      return new V10Generation(child, exchanged, maxJsonDepth, performance.now() - began);
    });
}

class V10Generation implements DriverGeneration {
  readonly workerVersion: string;
  readonly protocolVersion: number;
  readonly #decoder: FrameDecoder;
  readonly #frameLimit: number;
  readonly #maxJsonDepth: number;
  #request: ActiveRequest | null = null;

  constructor(
    readonly child: ChildHandle,
    exchanged: Exchanged,
    maxJsonDepth: number,
    readonly spawnHandshakeMs: number,
  ) {
    this.workerVersion = exchanged.workerVersion;
    this.protocolVersion = exchanged.protocolVersion;
    this.#decoder = exchanged.decoder;
    this.#frameLimit = exchanged.frameLimit;
    this.#maxJsonDepth = maxJsonDepth;
  }

  begin(v10: AnySupervisorRequest, relay: () => RowRelay | null, link: GenerationLink) {
    if (isReplRequest(v10)) return wrongKind(v10, 'lean-rs-worker');
    let frame: Buffer;
    try {
      frame = encodeRequest(v10.request, this.#frameLimit);
    } catch (error) {
      const e = error as FrameError;
      if (e.reason === 'frame_too_large')
        return wireError(ErrorCode.FRAME_TOO_LARGE, `request frame too large: ${e.message}`, { ...e.facts });
      // The main thread checks what it sends: a body the wire check refuses is a bad argument.
      return wireError(ErrorCode.INVALID_ARGUMENT, e.message, { reason: e.reason, ...e.facts });
    }
    const stdin = this.child.process.stdin;
    const send = (request: Request) => stdin.write(encodeRequest(request, this.#frameLimit));
    const active = new ActiveRequest(v10, relay(), link, send, this.#maxJsonDepth);
    this.#request = active;
    stdin.write(frame);
    return active;
  }

  attach(link: GenerationLink): void {
    const decoder = this.#decoder;
    const rows = new RowFrameReader();
    this.child.process.stdout.on('data', (chunk: Buffer) => {
      if (!link.isCurrent()) return;
      let read: FrameSpans;
      try {
        read = decoder.split(chunk);
      } catch (error) {
        this.#onDecodeError(link, error as FrameError);
        return;
      }
      const { buffer, spans } = read;
      const deferred = decoder.error;
      // Only the core clears the request in flight, and never within one read.
      const active = link.active() === this.#request ? this.#request : null;
      // One read with at least one frame is proof of life for the idle deadline.
      if (spans.length > 0) link.outputSeen();
      for (let i = 0; i < spans.length; i += 2) {
        if (!link.isCurrent()) return;
        const start = spans[i] as number;
        const end = spans[i + 1] as number;
        let message: ChildMessage;
        try {
          message = decodeChildFrame(buffer, start, end, rows, this.#maxJsonDepth);
        } catch (error) {
          this.#onDecodeError(link, error as FrameError);
          return;
        }
        if (active && !active.finished) {
          active.onFrame(message, end - start);
        } else {
          protocolViolation(link, `child sent ${message.type} with no request in flight`, {
            reason: 'unsolicited_frame',
            messageType: message.type,
          });
          return;
        }
      }
      active?.onChunkEnd();
      if (deferred) this.#onDecodeError(link, deferred);
    });
    this.child.whenStdoutClosedAlive(() => {
      const reason = decoder.bufferedBytes > 0 ? 'truncated' : 'stdout_closed';
      protocolViolation(link, 'child closed its stdout', { reason });
    });
    this.child.process.stdout.resume();
  }

  /** The protocol v10 way to ask a child to exit: a `terminate` request. */
  askToExit(): void {
    this.child.process.stdin.write(encodeRequest({ op: 'terminate' }));
  }

  #onDecodeError(link: GenerationLink, error: FrameError): void {
    const code = error.reason === 'frame_too_large' ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.PROTOCOL;
    link.abandon(wireError(code, error.message, { reason: error.reason, ...error.facts }));
  }
}

interface Exchanged {
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
function runStartExchange(child: ChildHandle, launch: WorkerLaunchSpec): Promise<Exchanged> {
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
