/**
 * The import rules that keep the folders honest about where code runs: `src/` (main thread) and
 * `threads/` (supervisor threads) meet only in `src/protocol/` (the wire, port messages and the
 * thread contract, no I/O), and no module depends on itself through others.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cycles, type ImportEdge, importEdges, sourceFiles, specifiers } from './import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const files = sourceFiles(ROOT, ['src', 'threads']);
const edges = importEdges(ROOT, files);
const show = (e: ImportEdge) => `${e.from} -> ${e.to}${e.typeOnly ? ' (type)' : ''}`;

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
