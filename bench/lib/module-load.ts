/**
 * Which modules a fresh Node process loads: a module hook that prints each non-builtin module URL
 * it loads to stderr, and the parser of that output. The import-time benchmark and the
 * lazy-loading test both use it.
 */

/** The hook module, as a data: URL for `module.register`. */
export const MODULE_LOAD_HOOK = `data:text/javascript,${encodeURIComponent(
  "import { writeSync } from 'node:fs';" +
    'export async function load(url, context, next) {' +
    "  if (!url.startsWith('node:')) writeSync(2, 'LOADED ' + url + '\\n');" +
    '  return next(url, context);' +
    '}',
)}`;

/** A module that registers the hook, for `node --import`. */
export const REGISTER_MODULE_LOAD_HOOK = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register(${JSON.stringify(MODULE_LOAD_HOOK)});`,
)}`;

/** The module URLs the hook reported in `stderr`, in load order. */
export function loadedModuleUrls(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('LOADED '))
    .map((line) => line.slice('LOADED '.length));
}
