/**
 * Keep in the package only the declarations its entry points reach:
 * `node scripts/prune-declarations.mjs dist src/index.d.ts src/child/index.d.ts`.
 *
 * Two steps over tsc's `.d.ts` output under `dist`:
 * 1. Declaration level: starting from every export of the entry files, follow the names each kept
 *    declaration mentions (through imports, re-exports and `import("...")` types) and drop the
 *    top-level declarations nothing reaches (the pool's internals behind a public class, schema
 *    constants behind a type, helper functions), with their doc comments; unused import
 *    specifiers go with them. A name the script cannot place keeps what mentions it.
 * 2. File level: delete every `.d.ts` the kept declarations no longer import (the CLI's, the
 *    supervisor's internals, the demo's).
 * A module's header comment (before its first import: how it works inside) is dropped; the doc
 * comments of declarations stay.
 *
 * The consumer test typechecks the result without `skipLibCheck`, so a declaration dropped while
 * still needed fails there.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [outDir = 'dist', ...entryArgs] = process.argv.slice(2);
const root = path.resolve(outDir);
const entries = entryArgs.map((e) => path.resolve(root, e));

function declarationFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return declarationFiles(full);
    return entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The `.d.ts` a relative specifier in `from` names, or null (a package or a missing file). */
function target(from, specifier) {
  if (!specifier.startsWith('.')) return null;
  const file = path.resolve(path.dirname(from), specifier.replace(/\.js$/, '.d.ts'));
  return existsSync(file) ? file : null;
}

const IDENT = /[A-Za-z_$][\w$]*/g;
const DECLARATION =
  /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:const|let|var|function|class|interface|type|enum|namespace|module)\s+([A-Za-z_$][\w$]*)/;

/** `a`, `type a`, `a as b` in a brace list: `[imported, local, as written]` triples. */
function specifierList(list) {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((raw) => {
      const [name, alias] = raw.replace(/^type\s+/, '').split(/\s+as\s+/);
      return [name, alias ?? name, raw];
    });
}

const BLOCK =
  /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:interface|class|namespace|module|enum|global)\b/;

/**
 * Split a declaration file into top-level statements, each with the comments before it. A scanner
 * that knows comments, strings and brackets: a statement ends at a `;` outside brackets, or, for
 * an interface, class, namespace or enum, at the `}` that closes its body. Comments inside a
 * statement (tsc puts a union member's doc comment at column 0) stay in it.
 */
function statements(text) {
  const out = [];
  let comment = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      comment.push(text.slice(i, stop));
      i = stop;
      continue;
    }
    if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      comment.push(text.slice(i, stop));
      i = stop;
      continue;
    }
    const start = i;
    const block = BLOCK.test(text.slice(start, start + 200));
    let depth = 0;
    let opened = false;
    while (i < n) {
      const c = text[i];
      if (text.startsWith('//', i)) {
        const end = text.indexOf('\n', i);
        i = end < 0 ? n : end;
        continue;
      }
      if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (c === "'" || c === '"' || c === '`') {
        i++;
        while (i < n && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
        i++;
        continue;
      }
      if (c === '{' || c === '[' || c === '(') {
        depth++;
        opened = true;
      } else if (c === '}' || c === ']' || c === ')') {
        depth--;
        if (block && depth === 0 && opened && c === '}') {
          i++;
          break;
        }
      } else if (c === ';' && depth === 0) {
        i++;
        break;
      }
      i++;
    }
    const body = text.slice(start, i);
    out.push({ comment, body, first: body.split('\n')[0] });
    comment = [];
  }
  if (comment.length > 0) out.push({ comment, body: '', first: '' });
  return out;
}

/** Statement shapes, first match wins: `[pattern, kind of statement from the match]`. */
const SHAPES = [
  [
    /^import\s+(type\s+)?\*\s+as\s+([\w$]+)\s+from\s+['"]([^'"]+)['"]/,
    (m) => ({ kind: 'import', bindings: [['*', m[2], `* as ${m[2]}`]], from: m[3], namespace: true }),
  ],
  [
    /^import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/,
    (m) => ({ kind: 'import', bindings: specifierList(m[2]), from: m[3], typeOnly: Boolean(m[1]) }),
  ],
  [
    /^import\s+(type\s+)?([\w$]+)\s+from\s+['"]([^'"]+)['"]/,
    (m) => ({ kind: 'import', bindings: [['default', m[2], m[2]]], from: m[3], namespace: true }),
  ],
  [
    /^export\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]([^'"]+)['"]/,
    (m) => ({ kind: 'reexport', bindings: specifierList(m[2]), from: m[3], typeOnly: Boolean(m[1]) }),
  ],
  [/^export\s+(type\s+)?\*\s+from\s+['"]([^'"]+)['"]/, (m) => ({ kind: 'star', from: m[2] })],
  [/^export\s*\{\s*\};?$/, () => ({ kind: 'marker' })],
  [
    /^export\s+(type\s+)?\{([^}]*)\};?$/,
    (m) => ({ kind: 'exportList', bindings: specifierList(m[2]), typeOnly: Boolean(m[1]) }),
  ],
  [DECLARATION, (m) => ({ kind: 'declaration', name: m[1], exported: /^export\s/.test(m[0]) })],
];

/** Parse one file's statements into kinds the liveness walk understands. */
function parse(file) {
  const parsed = statements(readFileSync(file, 'utf8')).map((s) => {
    const body = s.body.replace(/\s+/g, ' ').trim();
    for (const [pattern, shape] of SHAPES) {
      const m = pattern.exec(body);
      if (m) return { ...s, ...shape(m) };
    }
    return { ...s, kind: 'other' };
  });
  return { file, statements: parsed };
}

const files = new Map(declarationFiles(root).map((f) => [f, parse(f)]));
const liveStatements = new Set();
const usedBindings = new Set();
const usedSpecifiers = new Set();
const visited = new Set();
const queue = [];

/** Resolve the exported `name` of `file` ('*' for every export). */
function requestExport(file, name) {
  if (file === null || !files.has(file)) return;
  const key = `${file}\0export\0${name}`;
  if (visited.has(key)) return;
  visited.add(key);
  queue.push(() => {
    const { statements: list } = files.get(file);
    for (const s of list) {
      if (s.kind === 'declaration' && s.exported && (name === '*' || s.name === name)) markLive(file, s);
      if (s.kind === 'exportList') {
        for (const [local, exported] of s.bindings) {
          if (name === '*' || exported === name) {
            usedSpecifiers.add(`${exported}\0${local}\0${list.indexOf(s)}\0${file}`);
            liveStatements.add(s);
            requestLocal(file, local);
          }
        }
      }
      if (s.kind === 'reexport') {
        for (const [imported, exported] of s.bindings) {
          if (name === '*' || exported === name) {
            usedSpecifiers.add(`${exported}\0${imported}\0${list.indexOf(s)}\0${file}`);
            liveStatements.add(s);
            requestExport(target(file, s.from), imported);
          }
        }
      }
      if (s.kind === 'star') {
        liveStatements.add(s);
        requestExport(target(file, s.from), name);
      }
      if (s.kind === 'marker' || s.kind === 'other') markLive(file, s);
    }
  });
}

/** Resolve a name used inside `file`: a local declaration or an import binding. */
function requestLocal(file, local) {
  const key = `${file}\0local\0${local}`;
  if (visited.has(key)) return;
  visited.add(key);
  const { statements: list } = files.get(file);
  for (const s of list) {
    if (s.kind === 'declaration' && s.name === local) markLive(file, s);
    if (s.kind === 'import') {
      for (const [imported, alias] of s.bindings) {
        if (alias !== local) continue;
        usedBindings.add(`${file}\0${list.indexOf(s)}\0${alias}`);
        requestExport(target(file, s.from), imported);
      }
    }
  }
}

function markLive(file, s) {
  if (liveStatements.has(s)) return;
  liveStatements.add(s);
  const text = [...s.comment, s.body].join('\n');
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)\.([\w$]+)/g)) {
    requestExport(target(file, m[1]), m[2]);
  }
  for (const m of s.body.matchAll(IDENT)) requestLocal(file, m[0]);
}

for (const entry of entries) requestExport(entry, '*');
while (queue.length > 0) queue.shift()();

/** Rewrite `file` with only its live statements and used import specifiers. */
function render({ file, statements: list }) {
  const out = [];
  list.forEach((s, i) => {
    if (s.kind === 'import') {
      const keep = s.bindings.filter(([, alias]) => usedBindings.has(`${file}\0${i}\0${alias}`));
      if (keep.length === 0) return;
      // The comment before an import is the module's header (how it works inside), not API docs.
      if (keep.length === s.bindings.length || s.namespace) {
        out.push(s.body);
        return;
      }
      const names = keep.map(([, , raw]) => raw);
      out.push(`import ${s.typeOnly ? 'type ' : ''}{ ${names.join(', ')} } from '${s.from}';`);
      return;
    }
    if (!liveStatements.has(s)) return;
    if (s.kind === 'reexport' || s.kind === 'exportList') {
      const keep = s.bindings.filter(([a, b]) => usedSpecifiers.has(`${b}\0${a}\0${i}\0${file}`));
      if (keep.length === s.bindings.length) {
        out.push(...s.comment, s.body);
        return;
      }
      const names = keep.map(([, , raw]) => raw);
      const tail = s.kind === 'reexport' ? ` from '${s.from}'` : '';
      out.push(...s.comment, `export ${s.typeOnly ? 'type ' : ''}{ ${names.join(', ')} }${tail};`);
      return;
    }
    out.push(...s.comment, s.body);
  });
  const text = out.join('\n').trimEnd();
  return `${text.length === 0 || !/^(export|import)\s/m.test(text) ? `${text}\nexport {};` : text}\n`;
}

let before = 0;
let after = 0;
for (const parsed of files.values()) {
  before += readFileSync(parsed.file, 'utf8').length;
  const text = render(parsed);
  after += text.length;
  writeFileSync(parsed.file, text);
}

// File level: what the kept declarations still import, from the entries.
const reached = new Set();
function visit(file) {
  if (reached.has(file) || !existsSync(file)) return;
  reached.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:from\s*|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    visit(path.resolve(path.dirname(file), match[1].replace(/\.js$/, '.d.ts')));
  }
}
for (const entry of entries) visit(entry);
let removed = 0;
for (const file of declarationFiles(root)) {
  if (!reached.has(file)) {
    rmSync(file);
    removed += 1;
  }
}
console.log(
  `declarations kept: ${reached.size} files, removed: ${removed}; declaration text ${before} -> ${after} characters before file removal`,
);
