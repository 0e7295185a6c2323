/**
 * Typed decoding of frame bodies in each direction. The child-to-parent direction lives in
 * `decode-child.ts` (no zod: the supervisor thread loads it); parent-to-child messages are
 * validated here by their compiled zod schemas.
 */
import { z } from 'zod';
import { FrameError, parseFrameBody } from './codec.js';
import { invalid } from './decode-child.js';
import { configureFrameLimitSchema, type ParentMessage, requestSchema } from './messages.js';

export { decodeChildFrame, decodeChildMessage } from './decode-child.js';

const compiled = {
  configure_frame_limit: z.compile(configureFrameLimitSchema),
  request: z.compile(requestSchema),
};

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
  if (!Object.hasOwn(compiled, type)) {
    throw new FrameError('invalid_message', `unexpected message type from parent: ${type}`, {
      messageType: type,
    });
  }
  const schema: z.ZodType = compiled[type as keyof typeof compiled];
  return { type, body: check(type, schema, body) } as ParentMessage;
}
