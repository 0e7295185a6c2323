/**
 * Bundle the package's JavaScript with esbuild: `node scripts/bundle.mjs <outDir> [--minify]`.
 *
 * 1. The supervisor thread entry, `<outDir>/threads/supervisor.js`: one self-contained file, its
 *    lazy parts as chunks beside it (the repl driver, pidusage). Nothing in them names a package:
 *    they load from a folder with no `node_modules` (an unpacked asar, a bundled app). A Node
 *    builtin is the only import left. zod is not in them: typed commands are checked with the
 *    JSON-Schema subset (`threads/validation.ts`), repl answers with `threads/repl/shape.ts`; the
 *    build fails if thread code imports zod.
 * 2. The main-thread entries at their compiled paths (`src/index.js`, `src/child/index.js`,
 *    `src/cli/main.js`, the demo's child scripts), code shared between them and every dynamic
 *    `import()` target as chunks in `src/chunks/` (two folders below `<outDir>`, as the compiled
 *    modules whose relative paths they keep). Packages stay imports (zod is a peer; execa,
 *    pidusage, comlink and smol-toml are dependencies, loaded where the code imports them).
 *    Two steps keep `import('lean-worker-pool')` short: the package entry's modules share one
 *    chunk (`analyseMainGraph`, `joinImports`), and the modules loaded with an entry fetch
 *    `node:fs`, `node:fs/promises`, `node:os` and `node:worker_threads` on first use
 *    (`lazyBuiltins`). `bench/import-time.ts` measures it.
 *
 * Checks after building: every `new URL('<relative>', import.meta.url)` in the output names a
 * file that exists. Writes `<outDir>/bundle-meta.json` (which source modules each output file
 * holds, for `test/package/lazy-loading.test.ts`); it is not part of the package.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const out = path.resolve(args.find((a) => !a.startsWith('--')) ?? 'dist');
const minify = args.includes('--minify');

/** Node's floor for the package (`engines`). */
const TARGET = 'node20.19';
/** Gives CommonJS code bundled into ESM (pidusage) a `require` for Node's builtins. */
const REQUIRE_BANNER =
  "import { createRequire as __lwpCreateRequire } from 'node:module'; const require = __lwpCreateRequire(import.meta.url);";

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  platform: 'node',
  target: TARGET,
  format: 'esm',
  splitting: true,
  metafile: true,
  minify,
  // No `keepNames`: it wraps every function. Error classes name themselves (`keepClassNames`,
  // `src/errors.ts`), the only code that reads a class's name.
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
  tsconfig: path.join(ROOT, 'tsconfig.json'),
};

/** Thread code does not import zod (it would cost every supervisor thread its load). */
const noThreadZod = {
  name: 'no-thread-zod',
  setup(build) {
    build.onResolve({ filter: /^zod(\/|$)/ }, (args) => ({
      errors: [{ text: `${args.importer}: the supervisor thread must not import ${args.path}` }],
    }));
  },
};

/** A Node builtin named without `node:` (pidusage's `require('fs')`) is named with it. */
const nodePrefix = {
  name: 'node-prefix',
  setup(build) {
    const names = builtinModules.filter((m) => !m.startsWith('_') && !m.startsWith('node:'));
    const filter = new RegExp(`^(${names.map((m) => m.replace(/[/]/g, '\\/')).join('|')})$`);
    build.onResolve({ filter }, (args) => ({ path: `node:${args.path}`, external: true }));
  },
};

/**
 * Node builtins that the modules loaded with an entry (`eager` below) load on first use rather
 * than on import. An ES import of `node:fs` makes Node build the module's ES facade, which reads
 * every export, `promises` and the stream classes too: that loads `fs/promises` and Node's
 * streams (about 5 ms on the 2-core test machine); `node:worker_threads` and `node:os` are not
 * loaded at all until used. Such an import is replaced by a CommonJS stand-in whose exports
 * (the names the module imports) are getters over `process.getBuiltinModule()`, fetched on
 * first access: esbuild reads a CommonJS module's named imports as properties where they are
 * used. One stand-in per importing module (shared, it would be a chunk of its own). Lazily
 * loaded modules keep their imports: `new Worker(new URL(...))` must stay an import of
 * `Worker` for webpack to follow the thread entry.
 */
const LAZY_BUILTINS = ['node:fs', 'node:fs/promises', 'node:os', 'node:worker_threads'];

/**
 * The names `source` imports from `name`; every export for a default or namespace import, or
 * for a form this does not read (`export ... from`).
 */
function importedNames(source, name, every) {
  const names = new Set();
  const from = new RegExp(`^import\\s+(type\\s+)?([^;]*?)\\s+from\\s+['"]${name}['"]`, 'gm');
  for (const [, typeOnly, clause] of source.matchAll(from)) {
    if (typeOnly) continue;
    if (!/^\{[^}]*\}$/.test(clause)) return every;
    for (const spec of clause.slice(1, -1).split(',')) {
      const imported = spec.trim().split(/\s+as\s+/)[0];
      if (imported && !imported.startsWith('type ')) names.add(imported);
    }
  }
  return names.size > 0 ? [...names] : every;
}

async function lazyBuiltins(eager) {
  const keys = Object.fromEntries(
    await Promise.all(
      LAZY_BUILTINS.map(async (name) => [
        name,
        Object.keys(await import(name)).filter((k) => k !== 'default'),
      ]),
    ),
  );
  return {
    name: 'lazy-builtins',
    setup(build) {
      const filter = new RegExp(`^(${LAZY_BUILTINS.map((n) => n.replace(/[/]/g, '\\/')).join('|')})$`);
      build.onResolve({ filter }, (args) => {
        const importer = path.relative(ROOT, args.importer);
        if (!eager.has(importer)) return undefined;
        return { path: `${args.path}|${importer}`, namespace: 'lazy-builtin' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
        const [name, importer] = args.path.split('|');
        const names = importedNames(readFileSync(path.join(ROOT, importer), 'utf8'), name, keys[name]);
        return {
          contents:
            `let loaded;\nconst load = () => (loaded ??= process.getBuiltinModule(${JSON.stringify(name)}));\n` +
            `for (const key of ${JSON.stringify(names)})\n` +
            '  Object.defineProperty(exports, key, { enumerable: true, get: () => load()[key] });\n',
          loader: 'js',
        };
      });
    },
  };
}

async function bundleThreads() {
  const threads = await esbuild.build({
    ...common,
    entryPoints: { supervisor: 'threads/supervisor.ts' },
    outdir: path.join(out, 'threads'),
    chunkNames: '[name]-[hash]',
    // Nothing in the thread reads a function's or class's name.
    keepNames: false,
    banner: { js: REQUIRE_BANNER },
    plugins: [noThreadZod, nodePrefix],
  });
  for (const [file, output] of Object.entries(threads.metafile.outputs)) {
    const named = [...output.imports.map((i) => i.path), ...Object.keys(output.inputs)];
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    if (
      named.some((p) => /(^|\/)zod(\/|\.cjs$|$)/.test(p)) ||
      /(?:from|import|require)\s*\(?\s*["'`](?:\.\/)?zod(?:\/[^"'`]*|\.cjs)?["'`]/.test(text)
    )
      throw new Error(`${file}: the supervisor thread bundle holds or imports zod`);
  }
  return [threads.metafile];
}

/** The main-thread entries, and the one `import('lean-worker-pool')` loads. */
const MAIN_ENTRIES = [
  'src/index.ts',
  'src/child/index.ts',
  'src/cluster/index.ts',
  'src/prometheus/index.ts',
  'src/cli/main.ts',
  'demo/children/mathlib-child.ts',
  'demo/repl/fake-repl.ts',
];
const PACKAGE_ENTRY = 'src/index.ts';
/** Entries that run in a Lean worker's child process: they load nothing of the pool. */
const CHILD_ENTRIES = ['src/child/index.ts', 'demo/children/mathlib-child.ts', 'demo/repl/fake-repl.ts'];

const mainOptions = {
  ...common,
  entryPoints: MAIN_ENTRIES,
  outbase: '.',
  outdir: out,
  entryNames: '[dir]/[name]',
  chunkNames: 'src/chunks/[name]-[hash]',
  packages: 'external',
};

/**
 * How the build groups the package entry's modules. esbuild puts a module in the chunk of the
 * set of entries (dynamic imports included) that reach it, and has no setting to group chunks:
 * the package entry's ~80 modules were spread over 20 files, each one more resolve, read and
 * compile on import. So the build adds imports to some roots (entries and dynamically imported
 * modules; `joinImports`): a root that reaches a module of the package entry which no child
 * entry reaches imports the package entry first, and a root that reaches only modules the child
 * entries share with the package entry imports all of those. The package entry's modules then
 * have two sets between them: one chunk for what only the library side uses, one for what the
 * child entries share. The cost: the CLI's commands and the lazily loaded modules load the
 * whole package entry (a library user has loaded it anyway), a child entry the ~20 kB it shares.
 *
 * Returns the imports to add (root to repository-relative modules) and the modules loaded with
 * an entry (the package entry's and the child entries' static closures).
 */
async function analyseMainGraph() {
  const { metafile } = await esbuild.build({ ...mainOptions, write: false });
  const { inputs } = metafile;
  const closure = (root) => {
    const seen = new Set();
    const stack = [root];
    while (stack.length > 0) {
      const file = stack.pop();
      if (seen.has(file) || inputs[file] === undefined) continue;
      seen.add(file);
      for (const i of inputs[file].imports)
        if (i.kind === 'import-statement' && !i.external) stack.push(i.path);
    }
    return seen;
  };
  const childSide = new Set(CHILD_ENTRIES.flatMap((e) => [...closure(e)]));
  const packageSide = closure(PACKAGE_ENTRY);
  const shared = [...packageSide].filter((f) => childSide.has(f)).sort();
  const dynamic = Object.values(inputs).flatMap((input) =>
    input.imports.filter((i) => i.kind === 'dynamic-import' && !i.external).map((i) => i.path),
  );
  const joins = new Map();
  for (const root of new Set([...MAIN_ENTRIES, ...dynamic])) {
    if (root === PACKAGE_ENTRY) continue;
    const reached = [...closure(root)].filter((f) => packageSide.has(f));
    if (reached.some((f) => !childSide.has(f))) joins.set(root, [PACKAGE_ENTRY]);
    else if (reached.length > 0) joins.set(root, shared);
  }
  return { joins, eager: new Set([...packageSide, ...childSide]) };
}

/** Prepends to each root's source (repository-relative) an import of each of its modules. */
function joinImports(joins) {
  return {
    name: 'join-imports',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const modules = joins.get(path.relative(ROOT, args.path));
        if (modules === undefined) return undefined;
        const dir = path.dirname(args.path);
        const specifier = (module) => {
          const relative = path.relative(dir, path.join(ROOT, module)).replaceAll(path.sep, '/');
          return JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`);
        };
        const imports = modules.map((m) => `import ${specifier(m)};\n`).join('');
        return { contents: imports + readFileSync(args.path, 'utf8'), loader: 'ts', resolveDir: dir };
      });
    },
  };
}

async function bundleMain() {
  const { joins, eager } = await analyseMainGraph();
  const result = await esbuild.build({
    ...mainOptions,
    plugins: [joinImports(joins), await lazyBuiltins(eager)],
  });
  return [result.metafile];
}

/**
 * The notices of the packages bundled into the thread (`THIRD-PARTY-NOTICES.txt` beside the
 * entry, so a copied folder carries them): each package's license text, or for one under this
 * package's own license (Apache-2.0, the text in its LICENSE file) its copyright lines.
 */
function writeThreadNotices(metafiles) {
  const packages = new Set();
  for (const meta of metafiles) {
    for (const input of Object.keys(meta.inputs)) {
      const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (m) packages.add(m[1]);
    }
  }
  const sections = [...packages].sort().map((name) => {
    const dir = path.join(ROOT, 'node_modules', name);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    if (!licenseFile) throw new Error(`thread bundle: ${name} has no license file`);
    const text = readFileSync(path.join(dir, licenseFile), 'utf8').trim();
    const body =
      manifest.license === 'Apache-2.0'
        ? `${text
            .split('\n')
            .filter((line) => /^\s*Copyright \d{4}/.test(line))
            .map((line) => line.trim())
            .join('\n')}\nLicensed under the Apache License, Version 2.0 (its text: LICENSE in this package).`
        : text;
    return `${manifest.name} ${manifest.version} (${manifest.license})\n\n${body}`;
  });
  writeFileSync(
    path.join(out, 'threads', 'THIRD-PARTY-NOTICES.txt'),
    `The supervisor thread files in this folder include code of these packages.\n\n${sections.join('\n\n---\n\n')}\n`,
  );
}

const LITERAL_URL = /new URL\(\s*["'`](\.{1,2}\/[^"'`]+)["'`]\s*,\s*import\.meta\.url\s*\)/g;

/** Every `new URL('<relative>', import.meta.url)` in `outputs` names an existing file. */
function checkLiteralUrls(outputs) {
  for (const file of outputs) {
    if (!file.endsWith('.js')) continue;
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const [, relative] of text.matchAll(LITERAL_URL)) {
      const target = path.resolve(ROOT, path.dirname(file), relative);
      if (!existsSync(target))
        throw new Error(`${file}: new URL('${relative}') names ${target}, which is missing`);
    }
  }
}

// The chunks of an earlier bundle carry other hashes: remove what it wrote.
const META = path.join(out, 'bundle-meta.json');
if (existsSync(META)) {
  for (const file of Object.keys(JSON.parse(readFileSync(META, 'utf8'))))
    rmSync(path.join(out, file), { force: true });
}
const threadMetafiles = await bundleThreads();
writeThreadNotices(threadMetafiles);
const metafiles = [...threadMetafiles, ...(await bundleMain())];
const outputs = metafiles.flatMap((m) => Object.keys(m.outputs));
checkLiteralUrls(outputs);
/** Output file (relative to `out`) to the source modules it holds (relative to the repository). */
const holds = {};
for (const meta of metafiles) {
  for (const [file, output] of Object.entries(meta.outputs)) {
    if (file.endsWith('.map')) continue;
    holds[path.relative(out, path.join(ROOT, file))] = Object.keys(output.inputs).sort();
  }
}
writeFileSync(META, `${JSON.stringify(holds, null, 1)}\n`);
const files = (dir) => (existsSync(dir) ? readdirSync(dir).length : 0);
console.log(
  `bundled: ${Object.keys(holds).length} files (${files(path.join(out, 'threads'))} in threads/, ` +
    `${files(path.join(out, 'src/chunks'))} in src/chunks/)${minify ? ', minified' : ''}`,
);
