/**
 * Header-keyed sessions for the repl: split a Lean snippet into its import header and its body,
 * derive the session key from the import set, and keep what is needed to map positions in the
 * body back to the snippet. Both sides split: the builder keys a worker on the header, and the
 * repl driver in the supervisor thread checks the snippet's key against its worker's and runs
 * the body, so the two must agree byte for byte. Pure: text in, structure out; no I/O.
 *
 * One repl process holds one import set for life (imported state is never freed inside a
 * process), so the key is what a pool routes on. It is canonical: order-insensitive,
 * deduplicated, aware of `module`, `prelude` and the `public` / `meta` / `all` import modifiers,
 * and it drops an explicit `import Init` where Lean imports `Init` anyway. The header command the
 * worker runs is rendered from the key, so every snippet with the same key shares it exactly.
 */
import { type LeanHeader, type LeanImport, parseLeanHeader } from './lean-header.js';
import type { ReplHeaderKey, ReplImport } from './worker-spec.js';

/** A snippet split for a header-keyed session. */
export interface ReplSnippetSplit {
  /** The session key: equal keys can share one worker. It is also {@link headerCommand}. */
  readonly sessionKey: string;
  readonly header: ReplHeaderKey;
  /** Run once per worker as `{"cmd": headerCommand}` (no `env`) to get the header env. */
  readonly headerCommand: string;
  /** Run as `{"cmd": body, "env": headerEnv}`. */
  readonly body: string;
  /** Lines of the snippet before the body's first line (add to a body line). */
  readonly lineOffset: number;
  /** Code points before the body on its first line (add to a column on body line 1). */
  readonly firstLineColumnOffset: number;
  /** Set when the header is malformed; the body then starts with the malformed import. */
  readonly headerIssue: LeanHeader['issue'];
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function modifierRank(imp: ReplImport): number {
  return (imp.isPublic ? 4 : 0) + (imp.isMeta ? 2 : 0) + (imp.importAll ? 1 : 0);
}

/** The canonical import set of a parsed header. */
export function canonicalHeaderKey(
  header: Pick<LeanHeader, 'isModule' | 'isPrelude' | 'imports'>,
): ReplHeaderKey {
  const seen = new Map<string, ReplImport>();
  for (const imp of header.imports as readonly LeanImport[]) {
    // Without `prelude`, Lean imports Init itself: an explicit plain `import Init` adds nothing.
    if (!header.isPrelude && imp.module === 'Init' && !imp.isMeta && !imp.importAll) continue;
    const { module, isPublic, isMeta, importAll } = imp;
    const canonical: ReplImport = { module, isPublic, isMeta, importAll };
    seen.set(renderImport(canonical), canonical);
  }
  const imports = [...seen.values()].sort(
    (a, b) => compareStrings(a.module, b.module) || modifierRank(a) - modifierRank(b),
  );
  return { isModule: header.isModule, isPrelude: header.isPrelude, imports };
}

function renderImport(imp: ReplImport): string {
  return `${imp.isPublic ? 'public ' : ''}${imp.isMeta ? 'meta ' : ''}import ${imp.importAll ? 'all ' : ''}${imp.module}`;
}

/** The header text of a canonical key: one token group per line, no trailing newline. */
export function renderHeader(key: ReplHeaderKey): string {
  const lines: string[] = [];
  if (key.isModule) lines.push('module');
  if (key.isPrelude) lines.push('prelude');
  for (const imp of key.imports) lines.push(renderImport(imp));
  return lines.join('\n');
}

/** Split a snippet into header and body, with the key and the position shift. */
export function splitSnippet(snippet: string): ReplSnippetSplit {
  const parsed = parseLeanHeader(snippet);
  const header = canonicalHeaderKey(parsed);
  const headerCommand = renderHeader(header);
  // A malformed import stays in the body, where Lean reports it.
  const cut = parsed.endOffset;
  const before = snippet.slice(0, cut);
  return {
    sessionKey: headerCommand,
    header,
    headerCommand,
    body: snippet.slice(cut),
    lineOffset: parsed.endLine - 1,
    // Code points, as the repl counts columns.
    firstLineColumnOffset: [...before.slice(before.lastIndexOf('\n') + 1)].length,
    headerIssue: parsed.issue,
  };
}

/** A position in body coordinates mapped back to snippet coordinates; line 0 ("none") is kept. */
export function shiftPosition(
  pos: { line: number; column: number },
  shift: Pick<ReplSnippetSplit, 'lineOffset' | 'firstLineColumnOffset'>,
): { line: number; column: number } {
  if (pos.line === 0) return { line: 0, column: pos.column };
  return {
    line: pos.line + shift.lineOffset,
    column: pos.line === 1 ? pos.column + shift.firstLineColumnOffset : pos.column,
  };
}
