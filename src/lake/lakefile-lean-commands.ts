/**
 * Top-level commands of a `lakefile.lean`, split from the token stream with bounded memory.
 */
import type { LakeToken, LakeTokenizer } from './lakefile-lean-tokens.js';

/** Brackets that open and close nesting; a command only starts outside them. */
export const OPEN = new Set(['#[', '@[', '[', '{', '(']);
export const CLOSE = new Set([']', '}', ')']);

/** Tokens a command may hold; past this a `package` / `lean_lib` is refused, not guessed. */
export const MAX_COMMAND_TOKENS = 100_000;
/** Unsupported-command warnings reported one by one; the rest are counted in one more. */
export const MAX_COMMAND_WARNINGS = 100;

/** One top-level command; `truncated` when it passed {@link MAX_COMMAND_TOKENS}. */
export interface Command {
  readonly tokens: LakeToken[];
  readonly truncated: boolean;
}

export const keeps = (head: LakeToken): boolean =>
  head.kind === 'ident' && (head.text === 'package' || head.text === 'lean_lib');

/**
 * Split the token stream into top-level commands (a command starts at column 0 outside brackets).
 * Only `package` and `lean_lib` commands (and leading attribute lists) keep all their tokens;
 * any other command keeps its head and the token after it, so memory does not grow with the
 * commands the reader skips.
 */
export function* splitCommands(tokenizer: LakeTokenizer): Generator<Command> {
  let tokens: LakeToken[] | null = null;
  let truncated = false;
  /** Tokens still stored: unlimited (-1) until the head is known. */
  let room = -1;
  let depth = 0;
  for (let tok = tokenizer.next(); tok !== null; tok = tokenizer.next()) {
    if (depth === 0 && (tok.column === 0 || tokens === null)) {
      if (tokens !== null) yield { tokens, truncated };
      tokens = [];
      truncated = false;
      room = -1;
    }
    const current = tokens as LakeToken[];
    if (room === -1 && depth === 0 && !(current.length === 0 && tok.text === '@[')) {
      room = keeps(tok) ? MAX_COMMAND_TOKENS : 2;
    }
    if (room === -1 || room > 0) {
      if (current.length < MAX_COMMAND_TOKENS) current.push(tok);
      else truncated = true;
      if (room > 0) room--;
    }
    if (tok.kind === 'punct' && OPEN.has(tok.text)) depth++;
    else if (tok.kind === 'punct' && CLOSE.has(tok.text)) depth = Math.max(0, depth - 1);
  }
  if (tokens !== null) yield { tokens, truncated };
}
