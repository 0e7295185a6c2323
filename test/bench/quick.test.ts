/**
 * The benchmarks are not tests; this only proves that one benchmark module runs end to end on a
 * tiny workload and writes a result with the fields `bench/README.md` documents.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it, onTestFinished } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

it('the payload benchmark writes a result with the documented fields', { timeout: 15_000 }, async () => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
  const script = path.join(ROOT, 'dist/bench/payload.js');
  let pid: number | undefined;
  onTestFinished(async () => {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited
      }
    }
    await rm(out, { recursive: true, force: true });
  });
  await new Promise<void>((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script, '--smoke', '--out', out],
      { timeout: 14_000 },
      (error) => (error ? reject(error) : resolve()),
    );
    pid = child.pid;
  });

  const result = JSON.parse(await readFile(path.join(out, 'payload.json'), 'utf8'));
  expect(result).toMatchObject({ benchmark: 'payload', mode: 'smoke' });
  expect(result.command).toContain('dist/bench/payload.js');
  expect(result.platform.nproc).toBeGreaterThan(0);
  expect(typeof result.platform.cpuModel).toBe('string');
  expect(result.platform.loadAverage).toHaveLength(3);
  expect(typeof result.uptimeAtEnd).toBe('string');
  expect(typeof result.memoryMeasure).toBe('string');
  expect(Array.isArray(result.caveats) && result.caveats.length > 0).toBe(true);
  expect(result.workload.rowSets).toEqual({ small: 512, large: 64 });

  const formats = result.results.formats as {
    format: string;
    rowSet: string;
    bytesPerRow: number;
    encodeRowsPerSec: number;
    decodeRowsPerSec: number;
  }[];
  const names = new Set(formats.map((f) => f.format));
  for (const name of [
    'json-tree',
    'raw-json',
    'batched-16',
    'batched-64',
    'binary-envelope',
    'msgpack',
    'cbor',
  ]) {
    expect(names.has(name), name).toBe(true);
  }
  expect(formats.filter((f) => f.rowSet === 'large')).toHaveLength(formats.length / 2);
  for (const f of formats) {
    expect(f.encodeRowsPerSec).toBeGreaterThan(0);
    expect(f.decodeRowsPerSec).toBeGreaterThan(0);
    // Every format carries at least the payload text it started from, compressed formats included.
    expect(f.bytesPerRow).toBeGreaterThan(f.rowSet === 'large' ? 3_000 : 50);
  }
});
