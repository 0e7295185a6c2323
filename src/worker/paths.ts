/**
 * Where the compiled thread entry and the bundled fixture children live. Thread entries must be
 * runnable JS: when this module itself runs from TypeScript sources (the test suite), it points at
 * the compiled `dist/` tree, which `npm test` builds first.
 */
import { fileURLToPath } from 'node:url';

const here = import.meta.url;
const fromSources = here.endsWith('.ts');

/** The package root (the folder holding package.json). */
export const packageRoot: string = fileURLToPath(new URL(fromSources ? '../../' : '../../../', here));

/** Resolve a path inside the compiled tree (`dist/`). */
export function compiledPath(relative: string): string {
  return fileURLToPath(new URL(`dist/${relative}`, `file://${packageRoot}`));
}

/** URL of the supervisor thread entry. */
export function supervisorEntryUrl(): URL {
  return new URL(`file://${compiledPath('threads/supervisor.js')}`);
}

/** Path of a bundled fixture child script, e.g. `children/fast-rows`. */
export function fixturePath(name: string): string {
  return compiledPath(`fixtures/${name}.js`);
}
