/**
 * The import graph of the library's sources (`src/`, `threads/`), read from the files as text:
 * every `import`/`export ... from` and dynamic `import('...')` with a relative specifier, resolved
 * to a repository path, marked type-only when the statement is `import type`/`export type`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function walk(dir: string, root: string, out: string[]): void {
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) walk(rel, root, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(rel);
  }
}

/** Every `.ts` file under `dirs`, as repository-relative POSIX paths. */
export function sourceFiles(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  for (const dir of dirs) walk(dir, root, out);
  return out.sort();
}

const STATEMENT = /^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gms;
const BARE = /^\s*import\s+['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The specifiers a file imports: `[specifier, typeOnly]`. */
export function specifiers(text: string): [string, boolean][] {
  const out: [string, boolean][] = [];
  for (const m of text.matchAll(STATEMENT)) out.push([m[3] as string, m[2] !== undefined]);
  for (const m of text.matchAll(BARE)) out.push([m[1] as string, false]);
  for (const m of text.matchAll(DYNAMIC)) out.push([m[1] as string, false]);
  return out;
}

/** Edges between the given files (relative specifiers only; `.js` mapped back to `.ts`). */
export function importEdges(root: string, files: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const text = readFileSync(path.join(root, from), 'utf8');
    for (const [spec, typeOnly] of specifiers(text)) {
      if (!spec.startsWith('.')) continue;
      const to = path.posix
        .normalize(path.posix.join(path.posix.dirname(from), spec))
        .replace(/\.js$/, '.ts');
      edges.push({ from, to, typeOnly });
    }
  }
  return edges;
}

/** Every cycle in the graph, each as the list of files on it (one representative per cycle). */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)?.add(e.to);
  }
  // Tarjan's strongly connected components; a component of two or more files is a cycle.
  let index = 0;
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    order.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, order.get(w) as number));
      }
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!order.has(v)) visit(v);
  return found;
}
