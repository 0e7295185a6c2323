/**
 * Frame encoders that emit keys in the order the Rust peer writes and expects: `version`, then
 * `message` with `type` before `body`, struct fields in declaration order. Each body is rebuilt by
 * its wire check (`wire-checks.ts`), so the caller's property order never leaks onto the wire.
 */
import { encodeFrameText } from './codec.js';
import { DEFAULT_FRAME_BYTES, PROTOCOL_VERSION } from './constants.js';
import type { Request, Response } from './messages.js';
import { checkBody, childBodyChecks, parentBodyChecks } from './wire-checks.js';

/** Serialise `{version, message: {type, body}}` to JSON text. */
export function frameJson(type: string, body: unknown): string {
  return JSON.stringify({ version: PROTOCOL_VERSION, message: { type, body } });
}

/** Parent to child: a request frame. */
export function encodeRequest(r: Request, maxFrameBytes: number = DEFAULT_FRAME_BYTES): Buffer {
  const body = checkBody('request', parentBodyChecks.request, r);
  return encodeFrameText(frameJson('request', body), maxFrameBytes);
}

/** Parent to child: the frame-limit frame sent right after the handshake. */
export function encodeConfigureFrameLimit(maxFrameBytes: number): Buffer {
  return encodeFrameText(frameJson('configure_frame_limit', { max_frame_bytes: maxFrameBytes }));
}

/** Child to parent: the first frame. */
export function encodeHandshake(workerVersion: string, protocolVersion: number = PROTOCOL_VERSION): Buffer {
  const body = { worker_version: workerVersion, protocol_version: protocolVersion };
  return encodeFrameText(frameJson('handshake', body));
}

/** Child to parent: the terminal response. */
export function encodeResponse(r: Response, maxFrameBytes: number = DEFAULT_FRAME_BYTES): Buffer {
  const body = checkBody('response', childBodyChecks.response, r);
  if (body.status === 'stream_complete') {
    // BTreeMap on the Rust side: stream names in sorted order.
    const counts: Record<string, number> = {};
    const given = body.summary.per_stream_counts;
    for (const key of Object.keys(given).sort()) counts[key] = given[key] as number;
    body.summary.per_stream_counts = counts;
  }
  return encodeFrameText(frameJson('response', body), maxFrameBytes);
}

/** Child to parent: a diagnostic. */
export function encodeDiagnostic(code: string, message: string, maxFrameBytes = DEFAULT_FRAME_BYTES): Buffer {
  return encodeFrameText(frameJson('diagnostic', { code, message }), maxFrameBytes);
}

/** Child to parent: a progress tick. */
export function encodeProgressTick(
  phase: string,
  current: number,
  total: number | null,
  maxFrameBytes = DEFAULT_FRAME_BYTES,
): Buffer {
  return encodeFrameText(frameJson('progress_tick', { phase, current, total }), maxFrameBytes);
}

/**
 * Child to parent: a data row whose payload is already JSON text, kept verbatim (the Rust side
 * holds it as a `RawValue`). The payload text must be one valid JSON value.
 */
export function encodeDataRowRaw(
  stream: string,
  sequence: number,
  payloadJson: string,
  maxFrameBytes = DEFAULT_FRAME_BYTES,
): Buffer {
  const text = `{"version":${PROTOCOL_VERSION},"message":{"type":"data_row","body":{"stream":${JSON.stringify(
    stream,
  )},"sequence":${sequence},"payload":${payloadJson}}}}`;
  return encodeFrameText(text, maxFrameBytes);
}

/** Child to parent: the fatal-exit notice (defined by the protocol; the Rust child never sends it). */
export function encodeFatalExit(status: string, stderr: string, maxFrameBytes = DEFAULT_FRAME_BYTES): Buffer {
  return encodeFrameText(frameJson('fatal_exit', { status, stderr }), maxFrameBytes);
}
