/**
 * The import rules that keep the folders honest about where code runs: `src/` (main thread) and
 * `threads/` (supervisor threads) meet only in `src/protocol/` (the wire, port messages and the
 * thread contract, no I/O), `src/` is the library (the demo and the fixture fakes live apart and
 * only the CLI's `demo` command loads the demo, lazily), and no module depends on itself through
 * others.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, type ImportEdge, importEdges, sourceFiles, specifiers } from './import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const files = sourceFiles(ROOT, ['src', 'threads', 'demo']);
const edges = importEdges(ROOT, files);
const show = (e: ImportEdge) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`;

/** The one edge from the library into `demo/`: the CLI's `demo` command, a dynamic import. */
const DEMO_ENTRY_EDGE = 'src/cli/main.ts -> demo/command.ts';

describe('import rules', () => {
  it('reads the graph it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(
      edges.some((e) => e.from === 'threads/supervisor.ts' && e.to === 'src/protocol/thread-contract.ts'),
    ).toBe(true);
    expect(specifiers("import type { A } from './a.js';\nexport { b } from '../b.js';")).toEqual([
      ['./a.js', true],
      ['../b.js', false],
    ]);
  });

  it('src/ imports nothing from threads/', () => {
    expect(edges.filter((e) => e.from.startsWith('src/') && e.to.startsWith('threads/')).map(show)).toEqual(
      [],
    );
  });

  it('src/ imports nothing from demo/ or fixtures/ but the CLI entry loading the demo', () => {
    const outside = edges
      .filter((e) => e.from.startsWith('src/') && /^(demo|fixtures)\//.test(e.to))
      .map(show);
    expect(outside).toEqual([DEMO_ENTRY_EDGE]);
    const main = readFileSync(path.join(ROOT, 'src/cli/main.ts'), 'utf8');
    expect(main).toMatch(/await import\('\.\.\/\.\.\/demo\/command\.js'\)/);
  });

  it('threads/ imports only threads/ and src/protocol/', () => {
    const outside = edges
      .filter(
        (e) =>
          e.from.startsWith('threads/') && !e.to.startsWith('threads/') && !e.to.startsWith('src/protocol/'),
      )
      .map(show);
    expect(outside).toEqual([]);
  });

  it('src/protocol/ imports only src/protocol/', () => {
    const outside = edges.filter(
      (e) => e.from.startsWith('src/protocol/') && !e.to.startsWith('src/protocol/'),
    );
    expect(outside.map(show)).toEqual([]);
  });

  it('has no import cycles, type-only imports included', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('finds a cycle and a forbidden edge when there is one', () => {
    const made: ImportEdge[] = [
      { from: 'src/a.ts', to: 'src/b.ts', typeOnly: true },
      { from: 'src/b.ts', to: 'src/c.ts', typeOnly: false },
      { from: 'src/c.ts', to: 'src/a.ts', typeOnly: false },
      { from: 'src/c.ts', to: 'src/d.ts', typeOnly: false },
    ];
    expect(cycles(made)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts']]);
  });
});
