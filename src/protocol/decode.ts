/**
 * Typed decoding of frame bodies in each direction. The child-to-parent direction lives in
 * `decode-child.ts` (no zod: the supervisor thread loads it); parent-to-child messages are
 * validated here by their compiled zod schemas.
 */
import { z } from 'zod';
import { FrameError, parseFrameBody } from './codec.js';
import { configureFrameLimitSchema, type ParentMessage, requestSchema } from './messages.js';

export { decodeChildFrame, decodeChildMessage } from './decode-child.js';

const compiled = {
  configure_frame_limit: z.compile(configureFrameLimitSchema),
  request: z.compile(requestSchema),
};

function invalid(type: string, detail: string): FrameError {
  return new FrameError('invalid_message', `invalid ${type} message: ${detail}`, { messageType: type });
}

function check<T>(
  type: string,
  schema: { safeParse(v: unknown): z.ZodSafeParseResult<T> },
  body: unknown,
): T {
  const result = schema.safeParse(body);
  if (!result.success) throw invalid(type, z.prettifyError(result.error));
  return result.data;
}

/** Decode a parent-to-child frame body. Throws `FrameError` on anything off-protocol. */
export function decodeParentMessage(text: string): ParentMessage {
  const { type, body } = parseFrameBody(text);
  switch (type) {
    case 'configure_frame_limit':
      return { type, body: check(type, compiled.configure_frame_limit, body) };
    case 'request':
      return { type, body: check(type, compiled.request, body) };
    default:
      throw new FrameError('invalid_message', `unexpected message type from parent: ${type}`, {
        messageType: type,
      });
  }
}
