/** LeanReplBuilder: strict options, launch specs and header-keyed session keys (no process started). */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { LeanReplBuilder, REPL_SESSION_KEY_PREFIX } from '../../src/repl/builder.js';

const env = { PATH: '/usr/bin:/bin', HOME: '/home/x', SECRET_TOKEN: 'no' };

describe('LeanReplBuilder', () => {
  it('rejects unknown, misspelt and missing options with INVALID_OPTIONS', () => {
    for (const options of [
      {},
      { command: 'repl', requestTimeout: 5 },
      { command: '' },
      { project: '/p', args: 'x' },
    ]) {
      let code: string | undefined;
      try {
        new LeanReplBuilder(options as never, { env });
      } catch (error) {
        code = (error as { code?: string }).code;
      }
      expect(code).toBe(ErrorCode.INVALID_OPTIONS);
    }
  });

  it('runs the repl as given, or through `lake env` in a project, with an allowlisted environment', async () => {
    const direct = await new LeanReplBuilder({ command: '/opt/repl', args: ['-v'], env: { A: '1' } }, { env })
      .forSnippet('#eval 1')
      .resolve();
    expect(direct.launch).toMatchObject({ command: '/opt/repl', args: ['-v'], cwd: undefined });
    expect(direct.launch.env).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/x', A: '1' });
    expect(direct.child).toMatchObject({ kind: 'repl', headerKey: '', headerProbe: '#check Nat' });
    const lake = await new LeanReplBuilder({ project: '/tmp', lakeCommand: 'lake' }, { env })
      .forSnippet('import Mathlib\n')
      .resolve();
    expect(lake.launch).toMatchObject({ command: 'lake', args: ['env', 'repl'] });
    expect(lake.child).toMatchObject({ headerKey: 'import Mathlib', headerCommand: 'import Mathlib' });
  });

  it('keys sessions by the repl and the canonical import set of the header', () => {
    const repl = new LeanReplBuilder({ command: 'repl' }, { env });
    const key = (snippet: string) => repl.forSnippet(snippet).sessionKey();
    const a = key('import Mathlib\nimport Aesop\n\ntheorem a : True := trivial\n');
    expect(a.startsWith(REPL_SESSION_KEY_PREFIX)).toBe(true);
    expect(key('/- c -/ import Aesop import Mathlib\nimport Aesop\n\n#eval 1\n')).toBe(a);
    expect(key('import Mathlib\n\n#eval 1\n')).not.toBe(a);
    expect(key('module\n\npublic import Mathlib\npublic import Aesop\n')).not.toBe(a);
    const other = new LeanReplBuilder({ command: 'other-repl' }, { env });
    expect(other.forSnippet('import Mathlib\nimport Aesop\n').sessionKey()).not.toBe(a);
  });
});
