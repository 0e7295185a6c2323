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
  parseWith,
  required,
  string,
  union,
  unknownValue,
} from './shape.js';

/** A position as the repl writes it (the row type `ReplPos` says what it means). */
export const parseReplPos: Parse<ReplPos> = object<ReplPos>({ line: required(nat), column: required(nat) });

/** Message severities, as the row type `ReplSeverity` has them. */
export const parseReplSeverity: Parse<ReplSeverity> = oneOf(['trace', 'info', 'warning', 'error']);

/** One Lean message. */
export interface ReplMessage {
  severity: ReplSeverity;
  pos: ReplPos;
  endPos?: ReplPos | null | undefined;
  data: string;
}
export const parseReplMessage = object<ReplMessage>({
  severity: required(parseReplSeverity),
  pos: required(parseReplPos),
  endPos: optional(nullable(parseReplPos)),
  data: required(string),
});

/** One `sorry`, with the goal at it and the proof state recorded there. */
export interface ReplSorry {
  pos?: ReplPos | undefined;
  endPos?: ReplPos | undefined;
  goal: string;
  proofState?: number | null | undefined;
}
export const parseReplSorry = object<ReplSorry>({
  pos: optional(parseReplPos),
  endPos: optional(parseReplPos),
  goal: required(string),
  proofState: optional(nullable(nat)),
});

/** One tactic invocation (`allTactics: true`). */
export interface ReplTactic {
  pos: ReplPos;
  endPos: ReplPos;
  goals: string;
  tactic: string;
  proofState?: number | null | undefined;
  usedConstants?: string[] | undefined;
}
export const parseReplTactic = object<ReplTactic>({
  pos: required(parseReplPos),
  endPos: required(parseReplPos),
  goals: required(string),
  tactic: required(string),
  proofState: optional(nullable(nat)),
  usedConstants: optional(array(string)),
});

/** Answer to `cmd`, `path`, `pickleTo` with `env`, and `unpickleEnvFrom`. */
export interface ReplCommandResponse {
  env: number;
  messages?: ReplMessage[] | undefined;
  sorries?: ReplSorry[] | undefined;
  tactics?: ReplTactic[] | undefined;
  infotree?: unknown;
}
export const parseReplCommandResponse = object<ReplCommandResponse>({
  env: required(nat),
  messages: optional(array(parseReplMessage)),
  sorries: optional(array(parseReplSorry)),
  tactics: optional(array(parseReplTactic)),
  infotree: optional(unknownValue),
});

/** Answer to `tactic`, `pickleTo` with `proofState`, and `unpickleProofStateFrom`. */
export interface ReplProofStepResponse {
  proofState: number;
  goals: string[];
  messages?: ReplMessage[] | undefined;
  sorries?: ReplSorry[] | undefined;
  traces?: string[] | undefined;
  proofStatus?: string | undefined;
}
export const parseReplProofStepResponse = object<ReplProofStepResponse>({
  proofState: required(nat),
  goals: required(array(string)),
  messages: optional(array(parseReplMessage)),
  sorries: optional(array(parseReplSorry)),
  traces: optional(array(string)),
  proofStatus: optional(string),
});

/** A failure the repl answered instead of a result (unknown env, Lean exception, ...). */
export interface ReplErrorResponse {
  message: string;
}
export const parseReplErrorResponse = object<ReplErrorResponse>({ message: required(string) });

/** A classified response. */
export type ReplResponse =
  | { readonly kind: 'command'; readonly body: ReplCommandResponse }
  | { readonly kind: 'proofStep'; readonly body: ReplProofStepResponse }
  | { readonly kind: 'error'; readonly body: ReplErrorResponse };

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

type InfotreeMode = 'full' | 'tactics' | 'original' | 'substantive';

interface CommandOptions {
  allTactics?: boolean | undefined;
  rootGoals?: boolean | undefined;
  infotree?: InfotreeMode | undefined;
}
const commandOptions = {
  allTactics: optional(boolean),
  rootGoals: optional(boolean),
  infotree: optional(oneOf<InfotreeMode>(['full', 'tactics', 'original', 'substantive'])),
};

/** `{"cmd": ..., "env"?: n}`: without `env` a fresh environment is built (imports allowed). */
export interface ReplCommandRequest extends CommandOptions {
  cmd: string;
  env?: number | undefined;
}
export const parseReplCommandRequest = object<ReplCommandRequest>(
  { cmd: required(string), env: optional(nat), ...commandOptions },
  true,
);
/** `{"path": ..., "env"?: n}`: run a file's contents as a command. */
export interface ReplFileRequest extends CommandOptions {
  path: string;
  env?: number | undefined;
}
export const parseReplFileRequest = object<ReplFileRequest>(
  { path: required(string), env: optional(nat), ...commandOptions },
  true,
);
/** `{"tactic": ..., "proofState": n}`. */
export interface ReplTacticRequest {
  tactic: string;
  proofState: number;
}
export const parseReplTacticRequest = object<ReplTacticRequest>(
  { tactic: required(string), proofState: required(nat) },
  true,
);
/** `{"pickleTo": ..., "env": n}`. */
export interface ReplPickleEnvRequest {
  pickleTo: string;
  env: number;
}
export const parseReplPickleEnvRequest = object<ReplPickleEnvRequest>(
  { pickleTo: required(string), env: required(nat) },
  true,
);
/** `{"pickleTo": ..., "proofState": n}`. */
export interface ReplPickleProofStateRequest {
  pickleTo: string;
  proofState: number;
}
export const parseReplPickleProofStateRequest = object<ReplPickleProofStateRequest>(
  { pickleTo: required(string), proofState: required(nat) },
  true,
);
/** `{"unpickleEnvFrom": ...}`. */
export interface ReplUnpickleEnvRequest {
  unpickleEnvFrom: string;
}
export const parseReplUnpickleEnvRequest = object<ReplUnpickleEnvRequest>(
  { unpickleEnvFrom: required(string) },
  true,
);
/** `{"unpickleProofStateFrom": ..., "env"?: n}`. */
export interface ReplUnpickleProofStateRequest {
  unpickleProofStateFrom: string;
  env?: number | undefined;
}
export const parseReplUnpickleProofStateRequest = object<ReplUnpickleProofStateRequest>(
  { unpickleProofStateFrom: required(string), env: optional(nat) },
  true,
);

/** Every request kind the repl accepts. */
export type ReplRequest =
  | ReplCommandRequest
  | ReplFileRequest
  | ReplTacticRequest
  | ReplPickleEnvRequest
  | ReplPickleProofStateRequest
  | ReplUnpickleEnvRequest
  | ReplUnpickleProofStateRequest;
export const parseReplRequest: Parse<ReplRequest> = union<ReplRequest>([
  parseReplCommandRequest,
  parseReplFileRequest,
  parseReplTacticRequest,
  parseReplPickleEnvRequest,
  parseReplPickleProofStateRequest,
  parseReplUnpickleEnvRequest,
  parseReplUnpickleProofStateRequest,
]);
