/**
 * The parent's frames as the child reads them: the protocol's own wire checks
 * (`protocol/wire-checks.ts`, held equal to the zod schemas by a test), so a child built with the
 * kit starts without loading zod. Null where a body is not one the protocol defines.
 */
import type { Request } from '../protocol/messages.js';
import { type Check, CheckFailure, parentBodyChecks } from '../protocol/wire-checks.js';

function orNull<T>(check: Check<T>, body: unknown): T | null {
  try {
    return check(body);
  } catch (error) {
    if (error instanceof CheckFailure) return null;
    throw error;
  }
}

/** A request body, or null when it is not one the protocol defines. */
export function parseRequest(body: unknown): Request | null {
  return orNull(parentBodyChecks.request, body);
}

/** `configure_frame_limit`'s `max_frame_bytes` (an unsigned 32-bit integer), or null. */
export function parseFrameLimit(body: unknown): number | null {
  return orNull(parentBodyChecks.configure_frame_limit, body)?.max_frame_bytes ?? null;
}
