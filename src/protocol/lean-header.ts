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
import { type IdentToken, lexIdent, skipTrivia, startsIdent } from './lean-lexer.js';

/** One `import` of a header. */
export interface LeanImport {
  /** Canonical dotted module name. */
  readonly module: string;
  /** The module system's `public import`, `meta import` and `import all`. */
  readonly isPublic: boolean;
  readonly isMeta: boolean;
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

/** A token: an identifier (keywords included) or one other character. */
type Tok = { text: string; start: number; end: number; ident?: IdentToken };

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
  const lineAt = lineCounter(text);
  let issue: LeanHeaderIssue | null = null;
  const fail = (code: LeanHeaderIssue['code'], offset: number) => {
    issue ??= { code, offset, line: lineAt(offset) };
  };
  /** Next token after trivia at `from`, or null at the end / on an unterminated comment. */
  const peek = (from: number): Tok | null => {
    const { pos: at, unterminatedAt } = skipTrivia(text, from);
    if (unterminatedAt !== undefined) fail('unterminated-comment', unterminatedAt);
    if (at >= text.length) return null;
    if (!startsIdent(text, at)) return { text: text[at]!, start: at, end: at + 1 };
    const ident = lexIdent(text, at);
    return { text: text.slice(at, ident.end), start: at, end: ident.end, ident };
  };

  let endOffset = 0;
  let tok = peek(0);
  /** Take the keyword `word` when it comes next. */
  const take = (word: string): boolean => {
    if (tok?.text !== word) return false;
    endOffset = tok.end;
    tok = peek(endOffset);
    return true;
  };
  const isModule = take('module');
  const isPrelude = take('prelude');
  while (tok !== null && issue === null) {
    // atomic(["public"] ["meta"] "import"): anything else ends the header before `tok`.
    let look: Tok | null = tok;
    const isPublic = look.text === 'public';
    if (isPublic) look = peek(look.end);
    const isMeta = look?.text === 'meta';
    if (isMeta) look = peek(look!.end);
    if (look?.text !== 'import') break;
    let next = peek(look.end);
    const importAll = next?.text === 'all';
    if (importAll) next = peek(next!.end);
    if (issue !== null) break;
    // A keyword is no module name, except `all` after `import all`.
    if (!next?.ident || (KEYWORDS.has(next.text) && next.text !== 'all')) {
      fail('expected-module-name', next?.start ?? text.length);
      break;
    }
    const id = next.ident;
    if (id.unterminatedEscape || id.partial) {
      fail(id.unterminatedEscape ? 'unterminated-escape' : 'partial-module-name', id.start);
      break;
    }
    const offset = tok.start;
    imports.push({ module: id.name, isPublic, isMeta, importAll, offset, line: lineAt(offset) });
    endOffset = id.end;
    tok = peek(endOffset);
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
