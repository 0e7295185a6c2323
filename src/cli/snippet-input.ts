/**
 * The snippets of one `lean-worker check` input argument: a `.lean` file is one snippet, a
 * `.json` file a list (strings, `{id, text}` objects, or `{"snippets": [...]}`). Only regular
 * files are read, without blocking the event loop, up to a size cap; anything else is an
 * `INVALID_ARGUMENT` error with `facts.kind: 'snippet_input'` and the reason.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { describeRefusal, readRegularFile } from '../lake/read-file.js';
import type { CheckItem } from './check-run.js';

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

function inputError(path: string, reason: SnippetInputReason, message: string, cause?: unknown) {
  return new InvalidArgumentError(ErrorCode.INVALID_ARGUMENT, message, {
    facts: { kind: 'snippet_input', path, reason },
    cause,
  });
}

/** The snippets of `path`. */
export async function readSnippetInput(
  path: string,
  maxBytes = MAX_SNIPPET_FILE_BYTES,
): Promise<CheckItem[]> {
  const read = await readRegularFile(path, maxBytes);
  if (!read.ok) {
    throw inputError(
      path,
      read.reason,
      describeRefusal(path, read),
      read.reason === 'unreadable' ? read.error : undefined,
    );
  }
  const text = read.bytes.toString('utf8');
  if (!path.endsWith('.json')) return [{ id: path, text }];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw inputError(path, 'invalid-json', `${path}: not JSON (${(error as Error).message})`, error);
  }
  const list =
    Array.isArray(parsed) || typeof parsed !== 'object' || parsed === null
      ? parsed
      : (parsed as { snippets?: unknown }).snippets;
  if (!Array.isArray(list)) {
    throw inputError(path, 'not-a-list', `${path}: expected a list of snippets or {"snippets": [...]}`);
  }
  return list.map((entry: unknown, i) => {
    if (typeof entry === 'string') return { id: `${path}#${i}`, text: entry };
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as { id?: unknown; text?: unknown };
    if (typeof e.text !== 'string') {
      throw inputError(path, 'entry-without-text', `${path}: snippet ${i} is not a string or {id, text}`);
    }
    return { id: typeof e.id === 'string' ? e.id : `${path}#${i}`, text: e.text };
  });
}
