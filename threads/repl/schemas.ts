/**
 * The shapes of the leanprover-community `repl` JSON protocol (`REPL/JSON.lean`), as types and
 * exact parsers (`shape.ts`): responses are read as loose objects (keys not named here are
 * dropped), requests are checked as strict ones.
 *
 * Facts the shapes encode: `messages`, `sorries`, `tactics` and `traces` are omitted when empty;
 * a message's `endPos` may be absent or `null`; a sorry's `pos`/`endPos` are omitted when Lean has
 * no position (line 0) and its `proofState` is `null` when no proof state was recorded;
 * `proofStatus` is absent in older repl versions; a failure is `{"message": ...}`.
 */
import type { ReplPos, ReplSeverity } from '../../src/protocol/repl-rows.js';
import {
  array,
  boolean,
  nat,
  nullable,
  object,
  oneOf,
  optional,
  type Parse,
  type Parsed,
  parseWith,
  required,
  string,
  union,
  unknownValue,
} from './shape.js';

/** A position as the repl writes it (the row type `ReplPos` says what it means). */
export const parseReplPos: Parse<ReplPos> = object({ line: required(nat), column: required(nat) });

/** Message severities, as the row type `ReplSeverity` has them. */
export const parseReplSeverity: Parse<ReplSeverity> = oneOf(['trace', 'info', 'warning', 'error']);

/** One Lean message. */
export const parseReplMessage = object({
  severity: required(parseReplSeverity),
  pos: required(parseReplPos),
  endPos: optional(nullable(parseReplPos)),
  data: required(string),
});
export type ReplMessage = Parsed<typeof parseReplMessage>;

/** One `sorry`, with the goal at it and the proof state recorded there. */
export const parseReplSorry = object({
  pos: optional(parseReplPos),
  endPos: optional(parseReplPos),
  goal: required(string),
  proofState: optional(nullable(nat)),
});
export type ReplSorry = Parsed<typeof parseReplSorry>;

/** One tactic invocation (`allTactics: true`). */
export const parseReplTactic = object({
  pos: required(parseReplPos),
  endPos: required(parseReplPos),
  goals: required(string),
  tactic: required(string),
  proofState: optional(nullable(nat)),
  usedConstants: optional(array(string)),
});

/** Answer to `cmd`, `path`, `pickleTo` with `env`, and `unpickleEnvFrom`. */
export const parseReplCommandResponse = object({
  env: required(nat),
  messages: optional(array(parseReplMessage)),
  sorries: optional(array(parseReplSorry)),
  tactics: optional(array(parseReplTactic)),
  infotree: optional(unknownValue),
});
export type ReplCommandResponse = Parsed<typeof parseReplCommandResponse>;

/** Answer to `tactic`, `pickleTo` with `proofState`, and `unpickleProofStateFrom`. */
export const parseReplProofStepResponse = object({
  proofState: required(nat),
  goals: required(array(string)),
  messages: optional(array(parseReplMessage)),
  sorries: optional(array(parseReplSorry)),
  traces: optional(array(string)),
  proofStatus: optional(string),
});
export type ReplProofStepResponse = Parsed<typeof parseReplProofStepResponse>;

/** A failure the repl answered instead of a result (unknown env, Lean exception, ...). */
export const parseReplErrorResponse = object({ message: required(string) });

/** A classified response. */
export type ReplResponse =
  | { readonly kind: 'command'; readonly body: ReplCommandResponse }
  | { readonly kind: 'proofStep'; readonly body: ReplProofStepResponse }
  | { readonly kind: 'error'; readonly body: Parsed<typeof parseReplErrorResponse> };

/** Classify a decoded JSON value; `undefined` when it is none of the response shapes. */
export function classifyReplResponse(value: unknown): ReplResponse | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if ('env' in value) {
    const r = parseWith(parseReplCommandResponse, value);
    return r.success ? { kind: 'command', body: r.data } : undefined;
  }
  if ('proofState' in value) {
    const r = parseWith(parseReplProofStepResponse, value);
    return r.success ? { kind: 'proofStep', body: r.data } : undefined;
  }
  const r = parseWith(parseReplErrorResponse, value);
  return r.success ? { kind: 'error', body: r.data } : undefined;
}

const commandOptions = {
  allTactics: optional(boolean),
  rootGoals: optional(boolean),
  infotree: optional(oneOf(['full', 'tactics', 'original', 'substantive'])),
};

/** Every request kind the repl accepts (strict: other keys are refused). */
export const parseReplRequest = union([
  /** `{"cmd": ..., "env"?: n}`: without `env` a fresh environment is built (imports allowed). */
  object({ cmd: required(string), env: optional(nat), ...commandOptions }, true),
  /** `{"path": ..., "env"?: n}`: run a file's contents as a command. */
  object({ path: required(string), env: optional(nat), ...commandOptions }, true),
  object({ tactic: required(string), proofState: required(nat) }, true),
  object({ pickleTo: required(string), env: required(nat) }, true),
  object({ pickleTo: required(string), proofState: required(nat) }, true),
  object({ unpickleEnvFrom: required(string) }, true),
  object({ unpickleProofStateFrom: required(string), env: optional(nat) }, true),
]);
export type ReplRequest = Parsed<typeof parseReplRequest>;
