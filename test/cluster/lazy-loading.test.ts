/**
 * `bullmq` and `ioredis` are optional peers: a fresh process importing the main entry (the
 * compiled tree, as shipped) loads neither; importing `lean-worker-pool/cluster` loads both.
 * Asserted on the modules loaded.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModuleUrls, REGISTER_MODULE_LOAD_HOOK } from '../../bench/lib/module-load.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function packagesLoadedBy(entry: string): Set<string> {
  const url = pathToFileURL(path.join(ROOT, 'dist', entry)).href;
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      REGISTER_MODULE_LOAD_HOOK,
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(url)});`,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  );
  expect(run.status).toBe(0);
  const names = loadedModuleUrls(run.stderr)
    .map((u) => new URL(u).pathname)
    .filter((file) => file.includes('/node_modules/'))
    .map(
      (file) =>
        file.slice(file.lastIndexOf('/node_modules/') + '/node_modules/'.length).split('/')[0] as string,
    );
  return new Set(names);
}

describe('the cluster entry is the only one that loads bullmq and ioredis', () => {
  it('the main entry loads zod but neither bullmq nor ioredis', () => {
    const loaded = packagesLoadedBy('src/index.js');
    expect(loaded.has('zod')).toBe(true);
    expect(loaded.has('bullmq')).toBe(false);
    expect(loaded.has('ioredis')).toBe(false);
  });

  it('lean-worker-pool/cluster loads both', () => {
    const loaded = packagesLoadedBy('src/cluster/index.js');
    expect(loaded.has('bullmq')).toBe(true);
    expect(loaded.has('ioredis')).toBe(true);
  });
});
