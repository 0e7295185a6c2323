/**
 * The package's build: `node scripts/build-package.mjs <outDir> [--no-minify]` (`npm run
 * build:package`, run by `prepack`; the consumer test runs it into a staging folder).
 *
 * 1. Empty `<outDir>`.
 * 2. Declarations of `src/`, `threads/` and `demo/` (tsc, `tsconfig.build-types.json`), pruned to
 *    what the entries (`src/index.d.ts`, `src/child/index.d.ts`, `src/cluster/index.d.ts`,
 *    `src/prometheus/index.d.ts`) reach
 *    (`scripts/prune-declarations.mjs`).
 * 3. The JavaScript: the esbuild bundles (`scripts/bundle.mjs`), minified unless `--no-minify`.
 *    Tests, benchmarks and fixtures are not built here (`npm run build` builds them into `dist/`).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const out = path.resolve(args.find((a) => !a.startsWith('--')) ?? 'dist');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

const node = (...argv) => execFileSync(process.execPath, argv, { cwd: ROOT, stdio: 'inherit' });

rmSync(out, { recursive: true, force: true });
node(TSC, '-p', 'tsconfig.build-types.json', '--outDir', out);
node(
  'scripts/prune-declarations.mjs',
  out,
  'src/index.d.ts',
  'src/child/index.d.ts',
  'src/cluster/index.d.ts',
  'src/prometheus/index.d.ts',
);
node('scripts/bundle.mjs', out, ...(args.includes('--no-minify') ? [] : ['--minify']));
