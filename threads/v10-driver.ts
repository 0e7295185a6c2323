/**
 * The lean-rs-worker protocol v10 driver: length-prefixed JSON frames, a handshake from the
 * child, one request in flight, rows and diagnostics before exactly one terminal response.
 */
import type { FrameDecoder, FrameError, FrameSpans } from '../src/protocol/codec.js';
import { decodeChildFrame, RowFrameReader } from '../src/protocol/decode.js';
import { encodeRequest } from '../src/protocol/encode.js';
import { ErrorCode } from '../src/protocol/error-codes.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../src/protocol/json-depth.js';
import type { ChildMessage, Request } from '../src/protocol/messages.js';
import { type AnySupervisorRequest, isReplRequest } from '../src/protocol/thread-contract.js';
import type { ChildHandle } from './child-process.js';
import {
  type ChildDriver,
  type DriverGeneration,
  type GenerationLink,
  wrongKind,
} from './driver-contract.js';
import { startGeneration } from './generation.js';
import { wireError } from './outcome.js';
import type { RowRelay } from './relay.js';
import { ActiveRequest } from './request.js';
import { type Exchanged, runStartExchange } from './start-exchange.js';

/** The driver of v10 children; `maxJsonDepth` bounds the nesting of the JSON values a child sends. */
export function v10Driver(maxJsonDepth: number = DEFAULT_MAX_JSON_DEPTH): ChildDriver {
  return (launch) =>
    startGeneration(launch, async (child, began) => {
      const exchanged = await runStartExchange(child, launch);
      return new V10Generation(child, exchanged, maxJsonDepth, performance.now() - began);
    });
}

class V10Generation implements DriverGeneration {
  readonly child: ChildHandle;
  readonly workerVersion: string;
  readonly protocolVersion: number;
  readonly spawnHandshakeMs: number;
  readonly #decoder: FrameDecoder;
  readonly #frameLimit: number;
  readonly #maxJsonDepth: number;
  #request: ActiveRequest | null = null;

  constructor(child: ChildHandle, exchanged: Exchanged, maxJsonDepth: number, spawnHandshakeMs: number) {
    this.child = child;
    this.workerVersion = exchanged.workerVersion;
    this.protocolVersion = exchanged.protocolVersion;
    this.spawnHandshakeMs = spawnHandshakeMs;
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
          link.abandon(
            wireError(ErrorCode.PROTOCOL, `child sent ${message.type} with no request in flight`, {
              reason: 'unsolicited_frame',
              messageType: message.type,
            }),
            'protocol',
          );
          return;
        }
      }
      active?.onChunkEnd();
      if (deferred) this.#onDecodeError(link, deferred);
    });
    this.child.whenStdoutClosedAlive(() => {
      const reason = decoder.bufferedBytes > 0 ? 'truncated' : 'stdout_closed';
      link.abandon(wireError(ErrorCode.PROTOCOL, 'child closed its stdout', { reason }), 'protocol');
    });
    this.child.process.stdout.resume();
  }

  /** The protocol v10 way to ask a child to exit: a `terminate` request. */
  askToExit(): void {
    this.child.process.stdin.write(encodeRequest({ op: 'terminate' }));
  }

  #onDecodeError(link: GenerationLink, error: FrameError): void {
    const code = error.reason === 'frame_too_large' ? ErrorCode.FRAME_TOO_LARGE : ErrorCode.PROTOCOL;
    link.abandon(wireError(code, error.message, { reason: error.reason, ...error.facts }), 'protocol');
  }
}
