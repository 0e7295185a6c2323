import { describe, expect, it } from 'vitest';
import { headerImportSet } from '../../src/lake/module-name.js';
import { parseLeanHeader } from '../../src/protocol/lean-header.js';

const names = (text: string): string[] => parseLeanHeader(text).imports.map((i) => i.module);

describe('parseLeanHeader', () => {
  it('reads plain imports and stops at the first command', () => {
    const text =
      'import Mathlib.Order.Basic\nimport Init\n\ntheorem t : True := trivial\nimport Not.Header\n';
    const h = parseLeanHeader(text);
    expect(h.imports.map((i) => i.module)).toEqual(['Mathlib.Order.Basic', 'Init']);
    expect(h.isModule).toBe(false);
    expect(h.isPrelude).toBe(false);
    expect(h.endOffset).toBe(text.indexOf('Init') + 4);
    expect(h.endLine).toBe(2);
    expect(h.bodyOffset).toBe(text.indexOf('theorem'));
    expect(h.issue).toBeNull();
  });

  it('skips line comments and nested block comments', () => {
    const text = '/- a /- nested -/ still comment -/\n-- line\nimport A -- trailing\n/- x -/ import B\n';
    expect(names(text)).toEqual(['A', 'B']);
  });

  it('treats doc comments as the end of the header', () => {
    expect(names('import A\n/-! # Doc -/\nimport B\n')).toEqual(['A']);
    expect(names('import A\n/-- doc -/\ndef x := 1\n')).toEqual(['A']);
  });

  it('reads module, prelude and every import modifier', () => {
    const text =
      'module\n\nprelude\npublic import A\nmeta import B\npublic meta import C\nimport all D\npublic import all E\n\npublic section\n';
    const h = parseLeanHeader(text);
    expect(h.isModule).toBe(true);
    expect(h.isPrelude).toBe(true);
    expect(
      h.imports.map(({ module, isPublic, isMeta, importAll }) => ({ module, isPublic, isMeta, importAll })),
    ).toEqual([
      { module: 'A', isPublic: true, isMeta: false, importAll: false },
      { module: 'B', isPublic: false, isMeta: true, importAll: false },
      { module: 'C', isPublic: true, isMeta: true, importAll: false },
      { module: 'D', isPublic: false, isMeta: false, importAll: true },
      { module: 'E', isPublic: true, isMeta: false, importAll: true },
    ]);
    expect(h.bodyOffset).toBe(text.indexOf('public section'));
  });

  it('reads several imports on one line and reports their lines', () => {
    const h = parseLeanHeader('import A import B.C\n\nimport D');
    expect(h.imports.map((i) => [i.module, i.line])).toEqual([
      ['A', 1],
      ['B.C', 1],
      ['D', 3],
    ]);
  });

  it('canonicalises escaped names and keeps needed escapes', () => {
    expect(names('import «Foo».Bar\nimport «7».«a-b»\n')).toEqual(['Foo.Bar', '«7».«a-b»']);
  });

  it('does not take identifiers that merely start with a keyword', () => {
    expect(names('imports := 1')).toEqual([]);
    expect(parseLeanHeader('modules\n').isModule).toBe(false);
  });

  it('handles an empty text and a header-only text', () => {
    const empty = parseLeanHeader('');
    expect(empty).toMatchObject({ imports: [], endOffset: 0, endLine: 1, bodyOffset: 0, issue: null });
    expect(parseLeanHeader('prelude').isPrelude).toBe(true);
  });

  it('reports malformed headers as typed issues', () => {
    expect(parseLeanHeader('import\n').issue?.code).toBe('expected-module-name');
    expect(parseLeanHeader('import 3D\n').issue?.code).toBe('expected-module-name');
    expect(parseLeanHeader('import Foo.\n').issue?.code).toBe('partial-module-name');
    expect(parseLeanHeader('import A\n/- never closed').issue?.code).toBe('unterminated-comment');
    expect(parseLeanHeader('import «open').issue?.code).toBe('unterminated-escape');
    const issue = parseLeanHeader('import A\nimport\n').issue;
    expect(issue?.line).toBe(3);
  });

  it('gives order-insensitive, deduplicated import sets', () => {
    const a = headerImportSet(parseLeanHeader('import B\nimport A\nimport B\n'));
    const b = headerImportSet(parseLeanHeader('public import A\nmeta import B\n'));
    expect(a).toEqual(['A', 'B']);
    expect(b).toEqual(a);
  });

  it('accepts Greek and subscript identifier characters as Lean does', () => {
    expect(names('import Foo.α₁\n')).toEqual(['Foo.α₁']);
  });
});
