import { describe, expect, it } from 'vitest';
import { parseLakefileLean } from '../../src/lake/lakefile-lean.js';
import { parseLakefileToml } from '../../src/lake/lakefile-toml.js';

describe('lakefile.toml', () => {
  it('applies Lake defaults and reads srcDir, roots, globs and default targets', () => {
    const c = parseLakefileToml(
      'name = "p"\nsrcDir = "src"\ndefaultTargets = ["A"]\n[[lean_lib]]\nname = "A"\n[[lean_lib]]\nname = "B"\nsrcDir = "b"\nroots = "B.Root"\nglobs = ["B.X", "B.Y.+", "B.Z.*"]\n',
      'lakefile.toml',
    );
    expect(c.packageName).toBe('p');
    expect(c.packageSrcDir).toBe('src');
    expect(c.leanLibs).toEqual([
      { name: 'A', srcDir: '.', roots: ['A'], globs: [{ kind: 'one', module: 'A' }], isDefaultTarget: true },
      {
        name: 'B',
        srcDir: 'b',
        roots: ['B.Root'],
        globs: [
          { kind: 'one', module: 'B.X' },
          { kind: 'submodules', module: 'B.Y' },
          { kind: 'andSubmodules', module: 'B.Z' },
        ],
        isDefaultTarget: false,
      },
    ]);
    expect(c.diagnostics).toEqual([]);
  });

  it('reports invalid TOML and wrongly typed keys as error diagnostics', () => {
    expect(parseLakefileToml('name = ', 'f').diagnostics[0]).toMatchObject({
      code: 'lakefile-syntax',
      severity: 'error',
      line: 1,
    });
    const bad = parseLakefileToml('[[lean_lib]]\nname = "A"\nroots = 3\n', 'f');
    expect(bad.diagnostics[0]).toMatchObject({
      code: 'lakefile-unsupported',
      severity: 'error',
      subject: 'A',
    });
  });
});

describe('lakefile.lean', () => {
  it('reads package and lean_lib declarations with every glob form', () => {
    const text = [
      'import Lake',
      'open Lake DSL',
      'package «my-pkg» where',
      '  srcDir := "lib"',
      '  version := v!"0.1.0"',
      '@[default_target]',
      'lean_lib Core where',
      '  roots := #[`Core, `Extra]',
      '  globs := #[`Core, `Core.Data.*, `Core.Ext.+, Glob.one `X, Glob.submodules `Y, Glob.andSubmodules `Z, .one `W]',
      'lean_lib Plain',
      'lean_lib Braces {',
      '  srcDir := "b", roots := #[`B]',
      '}',
      '@[default_target] lean_exe cli where',
      '  root := `Main',
    ].join('\n');
    const c = parseLakefileLean(text, 'lakefile.lean');
    expect(c.diagnostics).toEqual([]);
    expect(c.packageName).toBe('my-pkg');
    expect(c.packageSrcDir).toBe('lib');
    expect(c.defaultTargets).toEqual(['Core', 'cli']);
    expect(c.leanLibs.map((l) => l.name)).toEqual(['Core', 'Plain', 'Braces']);
    expect(c.leanLibs[0]!.roots).toEqual(['Core', 'Extra']);
    expect(c.leanLibs[0]!.globs).toEqual([
      { kind: 'one', module: 'Core' },
      { kind: 'andSubmodules', module: 'Core.Data' },
      { kind: 'submodules', module: 'Core.Ext' },
      { kind: 'one', module: 'X' },
      { kind: 'submodules', module: 'Y' },
      { kind: 'andSubmodules', module: 'Z' },
      { kind: 'one', module: 'W' },
    ]);
    expect(c.leanLibs[1]).toMatchObject({ srcDir: '.', roots: ['Plain'], isDefaultTarget: false });
    expect(c.leanLibs[2]).toMatchObject({ srcDir: 'b', roots: ['B'], globs: [{ kind: 'one', module: 'B' }] });
  });

  it('ignores commented-out declarations', () => {
    const c = parseLakefileLean('/- lean_lib A where /- nested -/ -/\n-- lean_lib B\nlean_lib C\n', 'f');
    expect(c.leanLibs.map((l) => l.name)).toEqual(['C']);
  });

  it('reports unknown commands as warnings and non-literal library fields as errors', () => {
    const c = parseLakefileLean('def roots := #[`A]\nlean_lib A where\n  roots := roots\n', 'f');
    expect(c.diagnostics.map((d) => [d.code, d.severity, d.line])).toEqual([
      ['lakefile-unsupported', 'warning', 1],
      ['lakefile-unsupported', 'error', 3],
    ]);
    expect(c.leanLibs).toEqual([]);
  });

  it('reports an unterminated comment as a syntax error', () => {
    expect(parseLakefileLean('lean_lib A\n/- open', 'f').diagnostics[0]).toMatchObject({
      code: 'lakefile-syntax',
      line: 2,
    });
  });
});
