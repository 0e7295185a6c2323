/**
 * Files of the compiled tree (`dist/`) the library and its tests start as processes: the demo's
 * children, the fixture children. Resolved relative to this module with `new URL`: compiled, it
 * sits two folders below `dist/` (`dist/src/worker/`, or a bundle's `dist/src/chunks/`); run from
 * TypeScript sources (the test suite) it points at the `dist/` beside them, which `npm test`
 * builds first.
 */
import { fileURLToPath } from 'node:url';

/** Resolve a path inside the compiled tree (`dist/`), e.g. `demo/repl/fake-repl.js`. */
export function compiledPath(relative: string): string {
  // Running from TypeScript sources: the compiled tree is the `dist/` beside them.
  const root = new URL(import.meta.url.endsWith('.ts') ? '../../dist/' : '../../', import.meta.url);
  return fileURLToPath(new URL(relative, root));
}

/** Path of a compiled fixture child script, e.g. `children/fast-rows`. */
export function fixturePath(name: string): string {
  return compiledPath(`fixtures/${name}.js`);
}
