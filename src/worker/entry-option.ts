/**
 * The pool option `supervisorEntry`: the supervisor thread's entry file, for an app that ships
 * the package's `dist/threads/` folder somewhere of its own (a bundle, an unpacked asar). A
 * `file:` URL (object or text) or an absolute path, resolved to a `file:` URL. Whether the file
 * is there is checked when a worker starts (`thread-entry.ts`).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';

/** The option's schema, built with the pool's options schema (on the first parse, not on import). */
export const threadEntrySchema = () =>
  z.union([z.instanceof(URL), z.string().min(1)]).transform((entry, ctx): URL => {
    const url = toEntryUrl(entry);
    if (url) return url;
    ctx.addIssue({ code: 'custom', message: 'expected a file: URL or an absolute path' });
    return z.NEVER;
  });

function toEntryUrl(entry: URL | string): URL | null {
  if (entry instanceof URL) return entry.protocol === 'file:' ? entry : null;
  if (entry.startsWith('file:')) return URL.canParse(entry) ? new URL(entry) : null;
  return path.isAbsolute(entry) ? pathToFileURL(entry) : null;
}
