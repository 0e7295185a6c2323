/**
 * Lean 4 module header parser. Understands exactly Lean's header grammar:
 *
 * ```text
 * header := ["module"] ["prelude"] { ["public"] ["meta"] "import" ["all"] ident }
 * ```
 *
 * with whitespace, `--` line comments and nested `/- -/` block comments between tokens, several
 * imports on one line (`import A import B`), and `«»`-escaped name components. It stops at the
 * first token that does not continue the header (a command, a doc comment `/--` or `/-!`,
 * `public section`, ...). Pure: text in, structure out; no I/O. Both sides read headers: the
 * planner and the repl builder on the main thread, the repl driver in the supervisor thread.
 */
import { lexIdent, skipTrivia, startsIdent } from './lean-lexer.js';

/** One `import` of a header. */
export interface LeanImport {
  /** Canonical dotted module name. */
  readonly module: string;
  /** `public import` (module system). */
  readonly isPublic: boolean;
  /** `meta import` (module system). */
  readonly isMeta: boolean;
  /** `import all` (module system). */
  readonly importAll: boolean;
  /** Offset of the import's first keyword, UTF-16 code units. */
  readonly offset: number;
  /** 1-based line of {@link offset}. */
  readonly line: number;
}

/** Why the header could not be read to its natural end. */
export interface LeanHeaderIssue {
  readonly code:
    | 'expected-module-name'
    | 'partial-module-name'
    | 'unterminated-comment'
    | 'unterminated-escape';
  /** Offset of the problem, UTF-16 code units. */
  readonly offset: number;
  /** 1-based line of {@link offset}. */
  readonly line: number;
}

/** A parsed module header. */
export interface LeanHeader {
  /** The file starts with `module` (module system). */
  readonly isModule: boolean;
  /** The header has `prelude`. */
  readonly isPrelude: boolean;
  /** Imports in source order, duplicates kept. */
  readonly imports: readonly LeanImport[];
  /** Offset just past the last header token; 0 when the header is empty. */
  readonly endOffset: number;
  /** 1-based line of {@link endOffset}. */
  readonly endLine: number;
  /** Offset of the first token after the header (after trivia), or the text length. */
  readonly bodyOffset: number;
  /** Set when the header is malformed; parsing stopped there. */
  readonly issue: LeanHeaderIssue | null;
}

const KEYWORDS = new Set(['module', 'prelude', 'public', 'meta', 'import', 'all']);

interface Tok {
  readonly kind: 'keyword' | 'other';
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** 1-based line numbers for increasing offsets, counting each newline once. */
function lineCounter(text: string): (offset: number) => number {
  let pos = 0;
  let line = 1;
  return (offset) => {
    if (offset < pos) {
      pos = 0;
      line = 1;
    }
    for (let i = text.indexOf('\n', pos); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    pos = offset;
    return line;
  };
}

/** Parse the header of a Lean source text. */
export function parseLeanHeader(text: string): LeanHeader {
  const imports: LeanImport[] = [];
  let endOffset = 0;
  let issue: LeanHeaderIssue | null = null;
  let pos = 0;
  const lineAt = lineCounter(text);

  const mkIssue = (code: LeanHeaderIssue['code'], offset: number): LeanHeaderIssue => ({
    code,
    offset,
    line: lineAt(offset),
  });
  /** Next token after trivia at `from`, or null at the end / on an unterminated comment. */
  const peek = (from: number): Tok | null => {
    const skipped = skipTrivia(text, from);
    if (skipped.unterminatedAt !== undefined) {
      issue ??= mkIssue('unterminated-comment', skipped.unterminatedAt);
      return null;
    }
    const at = skipped.pos;
    if (at >= text.length) return null;
    if (startsIdent(text, at)) {
      const id = lexIdent(text, at);
      const raw = text.slice(id.start, id.end);
      return { kind: KEYWORDS.has(raw) ? 'keyword' : 'other', text: raw, start: at, end: id.end };
    }
    return { kind: 'other', text: text[at]!, start: at, end: at + 1 };
  };
  const isKw = (tok: Tok | null, word: string): tok is Tok =>
    tok !== null && tok.kind === 'keyword' && tok.text === word;

  let tok = peek(pos);
  /** Take the keyword `word` when it comes next. */
  const take = (word: string): boolean => {
    if (!isKw(tok, word)) return false;
    endOffset = pos = tok.end;
    tok = peek(pos);
    return true;
  };
  const isModule = take('module');
  const isPrelude = take('prelude');
  while (tok !== null && issue === null) {
    // atomic(["public"] ["meta"] "import"): anything else ends the header before `tok`.
    let look: Tok | null = tok;
    let isPublic = false;
    let isMeta = false;
    if (isKw(look, 'public')) {
      isPublic = true;
      look = peek(look.end);
    }
    if (isKw(look, 'meta')) {
      isMeta = true;
      look = peek(look.end);
    }
    if (!isKw(look, 'import')) break;
    const importStart = tok.start;
    let next = peek(look.end);
    let importAll = false;
    if (isKw(next, 'all')) {
      importAll = true;
      next = peek(next.end);
    }
    if (issue !== null) break;
    const nameAt = skipTrivia(text, next === null ? text.length : next.start).pos;
    if (next === null || !startsIdent(text, next.start) || (next.kind === 'keyword' && next.text !== 'all')) {
      issue = mkIssue('expected-module-name', next === null ? nameAt : next.start);
      break;
    }
    const id = lexIdent(text, next.start);
    if (id.unterminatedEscape) {
      issue = mkIssue('unterminated-escape', id.start);
      break;
    }
    if (id.partial) {
      issue = mkIssue('partial-module-name', id.start);
      break;
    }
    imports.push({
      module: id.name,
      isPublic,
      isMeta,
      importAll,
      offset: importStart,
      line: lineAt(importStart),
    });
    endOffset = pos = id.end;
    tok = peek(pos);
  }
  const bodyOffset = issue === null ? skipTrivia(text, endOffset).pos : (issue as LeanHeaderIssue).offset;
  return {
    isModule,
    isPrelude,
    imports,
    endOffset,
    endLine: lineAt(endOffset),
    bodyOffset: Math.min(bodyOffset, text.length),
    issue,
  };
}
