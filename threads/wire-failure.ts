/**
 * A typed failure inside a supervisor thread. Failures leave the thread as data (`WireError`:
 * code, message, facts), and the main thread rebuilds the library's error class from it with
 * `errorFromWire`; inside the thread they are thrown and rejected as this Error, which carries
 * that data unchanged.
 */
import { causeData, type ErrorCode, type WireError } from '../src/protocol/error-codes.js';

export class WireFailure extends Error {
  readonly wire: WireError;
  constructor(wire: WireError) {
    super(wire.message);
    this.wire = wire;
  }
}

/** A failure with `code` and `facts`, and the thrown value behind it (as data) when there is one. */
export function wireFailure(
  code: ErrorCode,
  message: string,
  facts: Readonly<Record<string, unknown>>,
  cause?: unknown,
): WireFailure {
  return new WireFailure({
    code,
    message,
    facts,
    ...(cause === undefined ? {} : { cause: causeData(cause) }),
  });
}
