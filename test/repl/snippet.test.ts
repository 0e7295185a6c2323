import { describe, expect, it } from 'vitest';
import { canonicalHeaderKey, shiftPosition, splitSnippet } from '../../src/protocol/repl-snippet.js';
import { sessionKeyOf } from '../../src/repl/snippet.js';

describe('splitSnippet', () => {
  it('splits the import block from the body and counts the lines before the body', () => {
    const s = splitSnippet('import Mathlib\nimport Aesop\n\ntheorem t : 1 = 1 := rfl\n');
    expect(s.headerCommand).toBe('import Aesop\nimport Mathlib');
    expect(s.sessionKey).toBe(s.headerCommand);
    expect(s.body).toBe('\n\ntheorem t : 1 = 1 := rfl\n');
    expect(s.lineOffset).toBe(1);
    // Body line 3 is snippet line 4.
    expect(shiftPosition({ line: 3, column: 8 }, s)).toEqual({ line: 4, column: 8 });
  });

  it('shifts columns on the first body line when the body starts on the last import line', () => {
    const s = splitSnippet('import Lean def «é» := error_here');
    expect(s.body).toBe(' def «é» := error_here');
    expect(s.lineOffset).toBe(0);
    expect(s.firstLineColumnOffset).toBe(11);
    expect(shiftPosition({ line: 1, column: 12 }, s)).toEqual({ line: 1, column: 23 });
    expect(shiftPosition({ line: 2, column: 3 }, s)).toEqual({ line: 2, column: 3 });
  });

  it('keeps the escapes of module names spelled as keywords in the key and the header command', () => {
    const s = splitSnippet('import «import»\nimport «end».X\nimport «Foo».«open»\n\n#eval 1\n');
    expect(s.header.imports.map((i) => i.module)).toEqual(['Foo.«open»', '«end».X', '«import»']);
    expect(s.headerCommand).toBe('import Foo.«open»\nimport «end».X\nimport «import»');
    expect(s.sessionKey).toBe(s.headerCommand);
    // The rendered header reads back to the same imports.
    expect(sessionKeyOf(`${s.headerCommand}\n`)).toBe(s.sessionKey);
  });

  it('keeps "no position" (line 0) as it is', () => {
    const s = splitSnippet('import Lean\n\nexample : True := trivial');
    expect(shiftPosition({ line: 0, column: 0 }, s)).toEqual({ line: 0, column: 0 });
  });

  it('treats a snippet without imports as the default header (empty command)', () => {
    const s = splitSnippet('-- a comment\ntheorem t : True := trivial\n');
    expect(s.headerCommand).toBe('');
    expect(s.sessionKey).toBe('');
    expect(s.body).toBe('-- a comment\ntheorem t : True := trivial\n');
    expect(s.lineOffset).toBe(0);
  });

  it('skips comments inside the header and leaves doc comments to the body', () => {
    const s = splitSnippet(
      '/- (c) -/\nimport A -- first\n/- nested /- -/ -/ import B\n/-! # Doc -/\ndef x := 1',
    );
    expect(s.header.imports.map((i) => i.module)).toEqual(['A', 'B']);
    expect(s.body.startsWith('\n/-! # Doc -/')).toBe(true);
    expect(s.lineOffset).toBe(2);
  });

  it('leaves a malformed import in the body and reports the issue', () => {
    const s = splitSnippet('import A\nimport Foo.\ndef x := 1');
    expect(s.header.imports.map((i) => i.module)).toEqual(['A']);
    expect(s.headerIssue?.code).toBe('partial-module-name');
    expect(s.body).toBe('\nimport Foo.\ndef x := 1');
  });
});

describe('session keys', () => {
  it('are order-insensitive and deduplicated', () => {
    expect(sessionKeyOf('import B\nimport A\nimport B\n')).toBe(sessionKeyOf('import A import B'));
  });

  it('drop an explicit plain `import Init` unless the header is a prelude', () => {
    expect(sessionKeyOf('import Init\nimport Lean')).toBe(sessionKeyOf('import Lean'));
    expect(sessionKeyOf('prelude\nimport Init')).toBe('prelude\nimport Init');
  });

  it('distinguish module-system modifiers and the module and prelude markers', () => {
    const keys = new Set(
      [
        'import Std',
        'module\nimport Std',
        'module\npublic import Std',
        'module\nmeta import Std',
        'module\nimport all Std',
        'prelude\nimport Std',
      ].map(sessionKeyOf),
    );
    expect(keys.size).toBe(6);
  });

  it('render module, prelude and sorted imports one per line', () => {
    const key = canonicalHeaderKey({
      isModule: true,
      isPrelude: false,
      imports: [
        { module: 'Z', isPublic: true, isMeta: false, importAll: false, offset: 0, line: 1 },
        { module: 'A', isPublic: false, isMeta: true, importAll: true, offset: 0, line: 1 },
      ],
    });
    expect(splitSnippet('module\npublic import Z\nmeta import all A\n').headerCommand).toBe(
      'module\nmeta import all A\npublic import Z',
    );
    expect(key.imports.map((i) => i.module)).toEqual(['A', 'Z']);
  });
});
