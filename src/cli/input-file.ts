/**
 * Files named on the command line (a request, snippets): only regular files are read, without
 * blocking the event loop, up to a size cap. A file that cannot be used is an `INVALID_ARGUMENT`
 * error whose facts say which input (`kind`), the path and the reason.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { describeRefusal, readRegularFile } from '../lake/read-file.js';

export function inputError(kind: string, path: string, reason: string, message: string, cause?: unknown) {
  return new InvalidArgumentError(ErrorCode.INVALID_ARGUMENT, message, {
    facts: { kind, path, reason },
    cause,
  });
}

/** The text of the regular file `path`. */
export async function readInputText(kind: string, path: string, maxBytes: number): Promise<string> {
  const read = await readRegularFile(path, maxBytes);
  if (read.ok) return read.bytes.toString('utf8');
  const cause = read.reason === 'unreadable' ? read.error : undefined;
  throw inputError(kind, path, read.reason, describeRefusal(path, read), cause);
}

/** The JSON value of a file's text. */
export function parseInputJson(kind: string, path: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw inputError(kind, path, 'invalid-json', `${path}: not JSON (${(error as Error).message})`, error);
  }
}
