/**
 * Where `lean-worker demo` writes its generated project: the user's cache directory
 * (`$XDG_CACHE_HOME`, else `~/.cache`), or the directory a flag or environment variable names;
 * never the package's own folder (which, installed, is inside `node_modules`).
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDemoOptions } from '../../demo/options.js';

const packageRoot = path.resolve(import.meta.dirname, '../..');

describe('the demo generated directory', () => {
  it('is under $XDG_CACHE_HOME when set, else ~/.cache', () => {
    expect(parseDemoOptions([], { XDG_CACHE_HOME: '/var/cache/me' }).generatedDir).toBe(
      path.join('/var/cache/me', 'lean-worker-pool', 'demo'),
    );
    expect(parseDemoOptions([], {}).generatedDir).toBe(
      path.join(os.homedir(), '.cache', 'lean-worker-pool', 'demo'),
    );
  });

  it('is never inside the package', () => {
    for (const env of [{}, { XDG_CACHE_HOME: '/tmp/c' }]) {
      const dir = parseDemoOptions([], env).generatedDir;
      expect(path.relative(packageRoot, dir).startsWith('..')).toBe(true);
    }
  });

  it('follows --generated-dir, then LEAN_WORKER_DEMO_GENERATED_DIR', () => {
    const env = { LEAN_WORKER_DEMO_GENERATED_DIR: '/tmp/from-env', XDG_CACHE_HOME: '/tmp/c' };
    expect(parseDemoOptions([], env).generatedDir).toBe('/tmp/from-env');
    expect(parseDemoOptions(['--generated-dir', '/tmp/from-flag'], env).generatedDir).toBe('/tmp/from-flag');
  });
});
