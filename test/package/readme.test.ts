import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const PREFIX = 'LEAN_WORKER_ERR_';

/** The README's Errors section. */
function errorsSection(): string {
  const start = README.indexOf('\n## Errors\n');
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end);
}

describe("the README's error table", () => {
  it('names every error code, written in full or as `_SUFFIX` after a full one', () => {
    const section = errorsSection();
    const missing = Object.values(ErrorCode).filter((code) => {
      const suffix = code.slice(PREFIX.length);
      return !section.includes(`\`${code}\``) && !section.includes(`\`_${suffix}\``);
    });
    expect(missing).toEqual([]);
  });

  it('names no code that does not exist', () => {
    const section = errorsSection();
    const known = new Set<string>(Object.values(ErrorCode));
    const named = [
      ...[...section.matchAll(/`(LEAN_WORKER_ERR_[A-Z_]+)`/g)].map((m) => m[1] as string),
      ...[...section.matchAll(/`_([A-Z_]+)`/g)].map((m) => `${PREFIX}${m[1]}`),
    ];
    expect(named.filter((code) => !known.has(code))).toEqual([]);
  });
});
