/**
 * zod schemas for the leanprover-community `repl` JSON protocol (`REPL/JSON.lean`).
 *
 * Facts the shapes encode: `messages`, `sorries`, `tactics` and `traces` are omitted when empty;
 * a message's `endPos` may be absent or `null`; a sorry's `pos`/`endPos` are omitted when Lean has
 * no position (line 0) and its `proofState` is `null` when no proof state was recorded;
 * `proofStatus` is absent in older repl versions; a failure is `{"message": ...}`.
 */
import { z } from 'zod';
import type { ReplPos, ReplSeverity } from '../../src/protocol/repl-rows.js';

const nat = z.number().int().nonnegative();

/** A position as the repl writes it (the row type `ReplPos` says what it means). */
export const replPosSchema = z.object({ line: nat, column: nat }) satisfies z.ZodType<ReplPos>;

/** Message severities, as the row type `ReplSeverity` has them. */
export const replSeveritySchema = z.enum([
  'trace',
  'info',
  'warning',
  'error',
]) satisfies z.ZodType<ReplSeverity>;

/** One Lean message. */
export const replMessageSchema = z.object({
  severity: replSeveritySchema,
  pos: replPosSchema,
  endPos: replPosSchema.nullable().optional(),
  data: z.string(),
});
export type ReplMessage = z.infer<typeof replMessageSchema>;

/** One `sorry`, with the goal at it and the proof state recorded there. */
export const replSorrySchema = z.object({
  pos: replPosSchema.optional(),
  endPos: replPosSchema.optional(),
  goal: z.string(),
  proofState: nat.nullable().optional(),
});
export type ReplSorry = z.infer<typeof replSorrySchema>;

/** One tactic invocation (`allTactics: true`). */
export const replTacticSchema = z.object({
  pos: replPosSchema,
  endPos: replPosSchema,
  goals: z.string(),
  tactic: z.string(),
  proofState: nat.nullable().optional(),
  usedConstants: z.array(z.string()).optional(),
});
export type ReplTactic = z.infer<typeof replTacticSchema>;

/** Answer to `cmd`, `path`, `pickleTo` with `env`, and `unpickleEnvFrom`. */
export const replCommandResponseSchema = z.object({
  env: nat,
  messages: z.array(replMessageSchema).optional(),
  sorries: z.array(replSorrySchema).optional(),
  tactics: z.array(replTacticSchema).optional(),
  infotree: z.unknown().optional(),
});
export type ReplCommandResponse = z.infer<typeof replCommandResponseSchema>;

/** Answer to `tactic`, `pickleTo` with `proofState`, and `unpickleProofStateFrom`. */
export const replProofStepResponseSchema = z.object({
  proofState: nat,
  goals: z.array(z.string()),
  messages: z.array(replMessageSchema).optional(),
  sorries: z.array(replSorrySchema).optional(),
  traces: z.array(z.string()).optional(),
  proofStatus: z.string().optional(),
});
export type ReplProofStepResponse = z.infer<typeof replProofStepResponseSchema>;

/** A failure the repl answered instead of a result (unknown env, Lean exception, ...). */
export const replErrorResponseSchema = z.object({ message: z.string() });
export type ReplErrorResponse = z.infer<typeof replErrorResponseSchema>;

/** A classified response. */
export type ReplResponse =
  | { readonly kind: 'command'; readonly body: ReplCommandResponse }
  | { readonly kind: 'proofStep'; readonly body: ReplProofStepResponse }
  | { readonly kind: 'error'; readonly body: ReplErrorResponse };

/** Classify a decoded JSON value; `undefined` when it is none of the response shapes. */
export function classifyReplResponse(value: unknown): ReplResponse | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if ('env' in value) {
    const r = replCommandResponseSchema.safeParse(value);
    return r.success ? { kind: 'command', body: r.data } : undefined;
  }
  if ('proofState' in value) {
    const r = replProofStepResponseSchema.safeParse(value);
    return r.success ? { kind: 'proofStep', body: r.data } : undefined;
  }
  const r = replErrorResponseSchema.safeParse(value);
  return r.success ? { kind: 'error', body: r.data } : undefined;
}

const commandOptions = {
  allTactics: z.boolean().optional(),
  rootGoals: z.boolean().optional(),
  infotree: z.enum(['full', 'tactics', 'original', 'substantive']).optional(),
};

/** `{"cmd": ..., "env"?: n}`: without `env` a fresh environment is built (imports allowed). */
export const replCommandRequestSchema = z.strictObject({
  cmd: z.string(),
  env: nat.optional(),
  ...commandOptions,
});
/** `{"path": ..., "env"?: n}`: run a file's contents as a command. */
export const replFileRequestSchema = z.strictObject({
  path: z.string(),
  env: nat.optional(),
  ...commandOptions,
});
/** `{"tactic": ..., "proofState": n}`. */
export const replTacticRequestSchema = z.strictObject({ tactic: z.string(), proofState: nat });
/** `{"pickleTo": ..., "env": n}`. */
export const replPickleEnvRequestSchema = z.strictObject({ pickleTo: z.string(), env: nat });
/** `{"pickleTo": ..., "proofState": n}`. */
export const replPickleProofStateRequestSchema = z.strictObject({ pickleTo: z.string(), proofState: nat });
/** `{"unpickleEnvFrom": ...}`. */
export const replUnpickleEnvRequestSchema = z.strictObject({ unpickleEnvFrom: z.string() });
/** `{"unpickleProofStateFrom": ..., "env"?: n}`. */
export const replUnpickleProofStateRequestSchema = z.strictObject({
  unpickleProofStateFrom: z.string(),
  env: nat.optional(),
});

/** Every request kind the repl accepts. */
export const replRequestSchema = z.union([
  replCommandRequestSchema,
  replFileRequestSchema,
  replTacticRequestSchema,
  replPickleEnvRequestSchema,
  replPickleProofStateRequestSchema,
  replUnpickleEnvRequestSchema,
  replUnpickleProofStateRequestSchema,
]);
export type ReplRequest = z.infer<typeof replRequestSchema>;
export type ReplCommandRequest = z.infer<typeof replCommandRequestSchema>;
export type ReplTacticRequest = z.infer<typeof replTacticRequestSchema>;
