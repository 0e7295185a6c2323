/**
 * The snippets of one `lean-worker check` input argument: a `.lean` file is one snippet, a
 * `.json` file a list (strings, `{id, text}` objects, or `{"snippets": [...]}`). A file that
 * gives none is an `INVALID_ARGUMENT` error with `facts.kind: 'snippet_input'` and the reason.
 */
import type { CheckItem } from './check-run.js';
import { inputError, parseInputJson, readInputText } from './input-file.js';

/** Largest snippet file read. @default 64 MiB */
export const MAX_SNIPPET_FILE_BYTES = 64 * 1024 * 1024;

/** Why an input gave no snippets. */
export type SnippetInputReason =
  | 'missing'
  | 'not-regular-file'
  | 'file-too-large'
  | 'unreadable'
  | 'invalid-json'
  | 'not-a-list'
  | 'entry-without-text';

const KIND = 'snippet_input';

/** The snippets of `path`. */
export async function readSnippetInput(
  path: string,
  maxBytes = MAX_SNIPPET_FILE_BYTES,
): Promise<CheckItem[]> {
  const text = await readInputText(KIND, path, maxBytes);
  if (!path.endsWith('.json')) return [{ id: path, text }];
  const parsed = parseInputJson(KIND, path, text);
  const list =
    Array.isArray(parsed) || typeof parsed !== 'object' || parsed === null
      ? parsed
      : (parsed as { snippets?: unknown }).snippets;
  if (!Array.isArray(list)) {
    throw inputError(KIND, path, 'not-a-list', `${path}: expected a list of snippets or {"snippets": [...]}`);
  }
  return list.map((entry: unknown, i) => {
    if (typeof entry === 'string') return { id: `${path}#${i}`, text: entry };
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as { id?: unknown; text?: unknown };
    if (typeof e.text !== 'string') {
      const message = `${path}: snippet ${i} is not a string or {id, text}`;
      throw inputError(KIND, path, 'entry-without-text', message);
    }
    return { id: typeof e.id === 'string' ? e.id : `${path}#${i}`, text: e.text };
  });
}
