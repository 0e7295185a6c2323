/**
 * Where the demo's compiled children live (`dist/demo/...`), for the CLI's demo and `check --fake`
 * and for the tests that run them. Resolved through the library's compiled tree, so it works from
 * TypeScript sources (the test suite) as from the package.
 */
import { compiledPath } from '../src/worker/paths.js';

/** Path of a compiled demo child script, e.g. `children/mathlib-child` or `repl/fake-repl`. */
export function demoPath(name: string): string {
  return compiledPath(`demo/${name}.js`);
}
