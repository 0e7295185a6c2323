/**
 * What a fresh process loads for each entry point (the compiled `dist/` tree, as the package
 * ships it): importing the main entry loads no optional machinery (piscina, execa, pidusage, the
 * supervisor thread's comlink, Lake discovery) until it is used; the child kit's entry does not
 * load zod; the CLI loads the demo only for `demo`. Asserted on the modules loaded, not on time.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModuleUrls, REGISTER_MODULE_LOAD_HOOK } from '../../bench/lib/module-load.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');

/** Repository-relative paths of the modules a fresh `node --import <hook> ...args` loads. */
function loaded(args: readonly string[]): string[] {
  const run = spawnSync(process.execPath, ['--import', REGISTER_MODULE_LOAD_HOOK, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.status).toBe(0);
  return loadedModuleUrls(run.stderr).map((url) => {
    const file = new URL(url).pathname;
    // node_modules is shared between checkouts: keep the part from node_modules/ on.
    const at = file.lastIndexOf('/node_modules/');
    return at >= 0 ? file.slice(at + 1) : path.relative(ROOT, file);
  });
}

function importing(entry: string): string[] {
  const url = pathToFileURL(path.join(DIST, entry)).href;
  return loaded(['--input-type=module', '-e', `await import(${JSON.stringify(url)});`]);
}

const packages = (files: readonly string[]) =>
  new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/')[1]));

describe('lazy loading', () => {
  it('importing the main entry loads zod and the pool, not piscina, execa, pidusage or comlink', () => {
    const files = importing('src/index.js');
    // The hook sees the entry and its peer: the absence below is not a blind spot.
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/pool/pool.js');
    expect(packages(files).has('zod')).toBe(true);
    for (const name of ['piscina', 'execa', 'pidusage', 'comlink'])
      expect(packages(files).has(name)).toBe(false);
    expect(files).not.toContain('dist/src/worker/supervisor-handle.js');
    expect(files).not.toContain('dist/src/lake/discover.js');
    expect(files).not.toContain('dist/src/protocol/messages.js');
    expect(files.filter((f) => f.startsWith('dist/demo/'))).toEqual([]);
  });

  it('importing the child kit loads no zod and nothing of the pool', () => {
    const files = importing('src/child/index.js');
    expect(files).toContain('dist/src/child/index.js');
    expect([...packages(files)]).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/src/pool/'))).toEqual([]);
  });

  it('the CLI loads the demo only for its demo command', () => {
    const version = loaded([path.join(DIST, 'src/cli/main.js'), '--version']);
    expect(version).toContain('dist/src/cli/main.js');
    expect(version.filter((f) => f.startsWith('dist/demo/'))).toEqual([]);
    const help = loaded([path.join(DIST, 'src/cli/main.js'), 'demo', '--help']);
    expect(help).toContain('dist/demo/command.js');
  });
});
