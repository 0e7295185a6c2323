/**
 * The snippet helpers callers use: the split and the session key of a snippet's import header.
 * The split itself is shared with the supervisor thread (`src/protocol/repl-snippet.ts`).
 */
import { parseLeanHeader } from '../protocol/lean-header.js';
import { canonicalHeaderKey, renderHeader } from '../protocol/repl-snippet.js';

export { type ReplSnippetSplit, splitSnippet } from '../protocol/repl-snippet.js';

/** The session key of a snippet's header (parses only the header). */
export function sessionKeyOf(snippet: string): string {
  return renderHeader(canonicalHeaderKey(parseLeanHeader(snippet)));
}
