/**
 * Tokenizer for the subset of the Lake Lean DSL that `lakefile-lean.ts` reads. Comments of every
 * kind (including doc comments) are trivia here; tokens carry line and column for command
 * splitting and diagnostics.
 */
import { lexIdent, skipBlockComment, skipTrivia, startsIdent } from './lean-lexer.js';

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

/** Tokenizer result; `error` set when the text cannot be tokenized (unterminated comment/string). */
export interface LakeTokens {
  readonly tokens: LakeToken[];
  readonly error: { readonly line: number; readonly message: string } | null;
}

const PUNCT = [':=', '#[', '@[', '[', ']', '{', '}', '(', ')', ',', '/', ':'];

/** Tokenize a `lakefile.lean`. */
export function tokenizeLakefile(text: string): LakeTokens {
  const tokens: LakeToken[] = [];
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const where = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! };
  };
  const fail = (offset: number, message: string): LakeTokens => ({
    tokens,
    error: { line: where(offset).line, message },
  });

  let i = 0;
  while (i < text.length) {
    const skipped = skipTrivia(text, i);
    if (skipped.unterminatedAt !== undefined)
      return fail(skipped.unterminatedAt, 'unterminated block comment');
    i = skipped.pos;
    if (i >= text.length) break;
    if (text.startsWith('/-', i)) {
      const end = skipBlockComment(text, i + 2);
      if (end < 0) return fail(i, 'unterminated doc comment');
      i = end;
      continue;
    }
    const at = where(i);
    const c = text[i]!;
    if (c === '`' && startsIdent(text, i + 1)) {
      const id = lexIdent(text, i + 1);
      let end = id.end;
      let globSuffix: '.*' | '.+' | undefined;
      if (id.partial && (text[end] === '*' || text[end] === '+')) {
        globSuffix = text[end] === '*' ? '.*' : '.+';
        end++;
      } else if (id.partial || id.unterminatedEscape) {
        return fail(i, 'malformed name literal');
      }
      tokens.push({ kind: 'name', text: id.name, ...(globSuffix ? { globSuffix } : {}), ...at });
      i = end;
    } else if (startsIdent(text, i)) {
      const id = lexIdent(text, i);
      if (id.unterminatedEscape) return fail(i, 'unterminated «» escape');
      tokens.push({ kind: 'ident', text: id.name, ...at });
      i = id.end;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\') {
          const e = text[++j];
          value += e === 'n' ? '\n' : e === 't' ? '\t' : (e ?? '');
        } else {
          value += text[j];
        }
      }
      if (j >= text.length) return fail(i, 'unterminated string literal');
      tokens.push({ kind: 'string', text: value, ...at });
      i = j + 1;
    } else {
      const punct = PUNCT.find((p) => text.startsWith(p, i));
      tokens.push({ kind: punct ? 'punct' : 'other', text: punct ?? c, ...at });
      i += punct ? punct.length : 1;
    }
  }
  return { tokens, error: null };
}
