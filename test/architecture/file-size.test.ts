/**
 * Files stay small: no TypeScript module under `src/` (main thread, child kit, protocol) or
 * `threads/` (supervisor thread) is longer than 300 lines, so each keeps to one concept.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAX_LINES = 300;

/** Lines as `wc -l` counts them. */
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

describe('file size', () => {
  const files = sourceFiles(ROOT, ['src', 'threads']).filter((f) => f.endsWith('.ts'));

  it('reads every module it checks', () => {
    expect(files).toContain('threads/supervisor-core.ts');
    expect(files).toContain('src/protocol/json-schema-check.ts');
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
  });

  it(`keeps every module under src/ and threads/ at ${MAX_LINES} lines or fewer`, () => {
    const over = files
      .map((f) => [f, lineCount(readFileSync(path.join(ROOT, f), 'utf8'))] as const)
      .filter(([, lines]) => lines > MAX_LINES);
    expect(over).toEqual([]);
  });
});
