/**
 * The slice of Lean 4's lexer a module header needs: whitespace, line comments, nested block
 * comments, and identifiers (with `«»` escapes). Positions are UTF-16 code unit offsets.
 */

/**
 * Identifier-shaped keywords of Lean 4's built-in grammar (commands, terms, `do` notation, the
 * module header and the core tactics). A name component spelled like one of them is only a name
 * when it is written `«escaped»`, so such a component keeps its escape when a name is rendered
 * back into Lean source. The list errs on the side of keeping: an escape on a component that
 * did not need one denotes the same name.
 */
const LEAN_KEYWORDS: ReadonlySet<string> = new Set(
  `abbrev all at attribute axiom builtin_initialize by calc catch class coinductive continue break
declare_syntax_cat def deriving do dsimp elab elab_rules else end example exact exists export
extends false finally for forall fun have if import in include induction inductive infix infixl
infixr initialize instance intro intros let local macro macro_rules match meta module mut mutual
namespace nofun nomatch noncomputable notation obtain omit opaque open only partial postfix
prefix prelude private protected public rcases refine return rfl rintro rw scoped section
set_option show simp simp_all sorry Sort structure suffices syntax then theorem this trivial try
Type Prop unless universe unsafe using variable where with`.split(/\s+/),
);

/** Lean's `isLetterLike`: Greek (minus λ, Π, Σ), Coptic, polytonic Greek, letterlike symbols, math alphanumerics. */
export function isLetterLike(c: number): boolean {
  return (
    (c >= 0x3b1 && c <= 0x3c9 && c !== 0x3bb) ||
    (c >= 0x391 && c <= 0x3a9 && c !== 0x3a0 && c !== 0x3a3) ||
    (c >= 0x3ca && c <= 0x3fb) ||
    (c >= 0x1f00 && c <= 0x1ffe) ||
    (c >= 0x2100 && c <= 0x214f) ||
    (c >= 0x1d49c && c <= 0x1d59f)
  );
}

/** Lean's `isIdFirst`: ASCII letter, `_`, or letter-like. */
export function isIdFirst(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || isLetterLike(c);
}

/** Lean's `isIdRest`: `isIdFirst`, digit, `'`, `!`, `?`, or a subscript letter or digit. */
export function isIdRest(c: number): boolean {
  if (isIdFirst(c) || (c >= 0x30 && c <= 0x39) || c === 0x27 || c === 0x21 || c === 0x3f) return true;
  return (c >= 0x2080 && c <= 0x2089) || (c >= 0x2090 && c <= 0x209c) || (c >= 0x1d62 && c <= 0x1d6a);
}

const ESCAPE_OPEN = 0xab; // «

/** Where skipping trivia stopped: the next token (or the end), and where a block comment never closes. */
export type SkipResult = { readonly pos: number; readonly unterminatedAt?: number };

/**
 * Skip spaces, tabs, newlines, `--` line comments and nested `/- -/` block comments. Doc
 * comments (`/--`, `/-!`) are tokens, not whitespace, as in Lean.
 */
export function skipTrivia(text: string, start: number): SkipResult {
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) {
      i++;
    } else if (c === 0x2d && text.charCodeAt(i + 1) === 0x2d) {
      const nl = text.indexOf('\n', i + 2);
      i = nl === -1 ? n : nl + 1;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2d) {
      const after = text.charCodeAt(i + 2);
      if (after === 0x2d || after === 0x21) return { pos: i };
      const end = skipBlockComment(text, i + 2);
      if (end < 0) return { pos: n, unterminatedAt: i };
      i = end;
    } else {
      return { pos: i };
    }
  }
  return { pos: i };
}

/** Returns the offset after the closing `-/` of a comment whose body starts at `start`, or -1. */
export function skipBlockComment(text: string, start: number): number {
  let depth = 1;
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x2d && text.charCodeAt(i + 1) === 0x2f) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else if (c === 0x2f && text.charCodeAt(i + 1) === 0x2d) {
      depth++;
      i += 2;
    } else {
      i++;
    }
  }
  return -1;
}

/** A lexed identifier. */
export interface IdentToken {
  /**
   * Canonical dotted name: escapes kept only where a component needs them (not an identifier, or
   * a keyword such as `«end»`); components written without escapes are kept as written.
   */
  readonly name: string;
  readonly start: number;
  readonly end: number;
  /** The identifier ended with a dot and no component (`Foo.`), which Lean rejects. */
  readonly partial: boolean;
  /** A `«` escape never closed. */
  readonly unterminatedEscape: boolean;
}

const codePointAt = (text: string, i: number): number => text.codePointAt(i) ?? -1;
/** UTF-16 code units of a code point. */
const width = (cp: number): number => (cp > 0xffff ? 2 : 1);

/** Whether `component` is an identifier component as written, needing no `«»` escape. */
function isPlainComponent(component: string): boolean {
  return (
    component !== '' && [...component].every((c, i) => (i === 0 ? isIdFirst : isIdRest)(c.codePointAt(0)!))
  );
}

/** True when an identifier starts at `i`. */
export function startsIdent(text: string, i: number): boolean {
  const cp = codePointAt(text, i);
  return cp === ESCAPE_OPEN || isIdFirst(cp);
}

/** Lex an identifier at `start` (caller checked {@link startsIdent}). */
export function lexIdent(text: string, start: number): IdentToken {
  const parts: string[] = [];
  let i = start;
  const n = text.length;
  for (;;) {
    const cp = codePointAt(text, i);
    if (cp === ESCAPE_OPEN) {
      const close = text.indexOf('»', i + 1);
      if (close < 0)
        return { name: parts.join('.'), start, end: n, partial: false, unterminatedEscape: true };
      const inner = text.slice(i + 1, close);
      // An escape stays when the component needs it: not an identifier, or spelled as a keyword.
      parts.push(isPlainComponent(inner) && !LEAN_KEYWORDS.has(inner) ? inner : `«${inner}»`);
      i = close + 1;
    } else {
      const begin = i;
      i += width(cp);
      while (i < n && isIdRest(codePointAt(text, i))) i += width(codePointAt(text, i));
      parts.push(text.slice(begin, i));
    }
    if (text.charCodeAt(i) === 0x2e) {
      if (startsIdent(text, i + 1)) {
        i++;
        continue;
      }
      return { name: parts.join('.'), start, end: i + 1, partial: true, unterminatedEscape: false };
    }
    return { name: parts.join('.'), start, end: i, partial: false, unterminatedEscape: false };
  }
}
