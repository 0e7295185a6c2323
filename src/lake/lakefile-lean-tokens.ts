/**
 * Tokenizer for the subset of the Lake Lean DSL that `lakefile-lean.ts` reads. Comments of every
 * kind (including doc comments) are trivia here; tokens carry line and column for command
 * splitting and diagnostics.
 *
 * Tokens are produced one at a time, so a reader keeps only the tokens it needs: memory stays
 * small and linear in the input whatever the input is; `splitCommands` groups them into top-level
 * commands with bounded memory. A run of characters that are neither punctuation, names, strings
 * nor trivia is one `other` token, not one token per character.
 */
import { lexIdent, skipBlockComment, skipTrivia, startsIdent } from '../protocol/lean-lexer.js';

/** One token of a lakefile. */
export interface LakeToken {
  readonly kind: 'ident' | 'name' | 'string' | 'punct' | 'other';
  /** Identifier / name text (canonical), string contents, or punctuation. */
  readonly text: string;
  /** For `name` tokens: a `.*` or `.+` suffix written right after the name. */
  readonly globSuffix?: '.*' | '.+';
  readonly line: number;
  /** 0-based column. */
  readonly column: number;
}

const PUNCT = [':=', '#[', '@[', '[', ']', '{', '}', '(', ')', ',', '/', ':'];
/** Characters that end a run of `other` characters (they may start a token or trivia). */
const BREAKS = new Set([...' \t\r\n\ufeff-/"`«#@[]{}(),:.']);

/** A pull tokenizer over a `lakefile.lean` text. */
export class LakeTokenizer {
  readonly #text: string;
  #pos = 0;
  /** Line bookkeeping: the line of `#linePos`, and where that line starts. */
  #line = 1;
  #lineStart = 0;
  #linePos = 0;
  #error: { readonly line: number; readonly message: string } | null = null;

  constructor(text: string) {
    this.#text = text;
  }

  /** Set once tokenizing stopped on malformed text (unterminated comment, string or escape). */
  get error() {
    return this.#error;
  }

  /** Line and column of `offset`; offsets must not decrease between calls. */
  #where(offset: number): { line: number; column: number } {
    const text = this.#text;
    for (let i = text.indexOf('\n', this.#linePos); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
      this.#line++;
      this.#lineStart = i + 1;
    }
    this.#linePos = offset;
    return { line: this.#line, column: offset - this.#lineStart };
  }

  #fail(offset: number, message: string): null {
    this.#error = { line: this.#where(offset).line, message };
    this.#pos = this.#text.length;
    return null;
  }

  /** The next token, or null at the end of the text or on an error (see {@link error}). */
  next(): LakeToken | null {
    const text = this.#text;
    for (;;) {
      if (this.#error) return null;
      const skipped = skipTrivia(text, this.#pos);
      if (skipped.unterminatedAt !== undefined)
        return this.#fail(skipped.unterminatedAt, 'unterminated block comment');
      const i = skipped.pos;
      if (i >= text.length) {
        this.#pos = i;
        return null;
      }
      if (text.startsWith('/-', i)) {
        const end = skipBlockComment(text, i + 2);
        if (end < 0) return this.#fail(i, 'unterminated doc comment');
        this.#pos = end;
        continue;
      }
      return this.#token(i);
    }
  }

  #token(i: number): LakeToken | null {
    const text = this.#text;
    const at = this.#where(i);
    const c = text[i]!;
    if (c === '`' && startsIdent(text, i + 1)) {
      const id = lexIdent(text, i + 1);
      let end = id.end;
      let globSuffix: '.*' | '.+' | undefined;
      if (id.partial && (text[end] === '*' || text[end] === '+')) {
        globSuffix = text[end] === '*' ? '.*' : '.+';
        end++;
      } else if (id.partial || id.unterminatedEscape) {
        return this.#fail(i, 'malformed name literal');
      }
      this.#pos = end;
      return { kind: 'name', text: id.name, ...(globSuffix ? { globSuffix } : {}), ...at };
    }
    if (startsIdent(text, i)) {
      const id = lexIdent(text, i);
      if (id.unterminatedEscape) return this.#fail(i, 'unterminated «» escape');
      this.#pos = id.end;
      return { kind: 'ident', text: id.name, ...at };
    }
    if (c === '"') return this.#string(i, at);
    const punct = PUNCT.find((p) => text.startsWith(p, i));
    if (punct !== undefined) {
      this.#pos = i + punct.length;
      return { kind: 'punct', text: punct, ...at };
    }
    let end = i + 1;
    if (!BREAKS.has(c)) {
      while (end < text.length && !BREAKS.has(text[end]!) && !startsIdent(text, end)) end++;
    }
    this.#pos = end;
    return { kind: 'other', text: text.slice(i, end), ...at };
  }

  #string(i: number, at: { line: number; column: number }): LakeToken | null {
    const text = this.#text;
    const parts: string[] = [];
    let from = i + 1;
    for (let j = from; j < text.length; j++) {
      const ch = text.charCodeAt(j);
      if (ch === 0x22) {
        parts.push(text.slice(from, j));
        this.#pos = j + 1;
        return { kind: 'string', text: parts.join(''), ...at };
      }
      if (ch === 0x5c) {
        parts.push(text.slice(from, j));
        const e = text[++j];
        parts.push(e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? ''));
        from = j + 1;
      }
    }
    return this.#fail(i, 'unterminated string literal');
  }
}

/** Brackets that open and close nesting; a command only starts outside them. */
export const OPEN = new Set(['#[', '@[', '[', '{', '(']);
export const CLOSE = new Set([']', '}', ')']);

/** Tokens a command may hold; past this a `package` / `lean_lib` is refused, not guessed. */
export const MAX_COMMAND_TOKENS = 100_000;
/** Unsupported-command warnings reported one by one; the rest are counted in one more. */
export const MAX_COMMAND_WARNINGS = 100;

export const keeps = (head: LakeToken): boolean =>
  head.kind === 'ident' && (head.text === 'package' || head.text === 'lean_lib');

/**
 * Split the token stream into top-level commands (a command starts at column 0 outside brackets),
 * each `truncated` when it passed {@link MAX_COMMAND_TOKENS}.
 * Only `package` and `lean_lib` commands (and leading attribute lists) keep all their tokens;
 * any other command keeps its head and the token after it, so memory does not grow with the
 * commands the reader skips.
 */
export function* splitCommands(
  tokenizer: LakeTokenizer,
): Generator<{ tokens: LakeToken[]; truncated: boolean }> {
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
