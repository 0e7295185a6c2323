/**
 * What a supervisor thread loads when it starts, followed through its static imports (dynamic
 * `import()` is what loads on demand): no zod and no repl session stack. Every pool worker pays
 * for its thread's modules; zod alone costs a thread about 4 MiB of heap (`bench/thread-rss.ts`).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** `import`/`export ... from` statements that load at run time: not `import type`, not `import()`. */
const STATIC =
  /^\s*(import|export)\s+(?!type\s)[^'";]*?\bfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gms;

/** Every file `entry` loads statically, and the packages they name. */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(STATIC)) {
      const spec = (m[2] ?? m[3]) as string;
      if (spec.startsWith('.')) {
        visit(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
      } else if (!spec.startsWith('node:')) {
        packages.add(spec);
      }
    }
  };
  visit(entry);
  return { files, packages };
}

describe('supervisor thread weight', () => {
  const { files, packages } = staticClosure('threads/supervisor.ts');

  it('follows the thread entry through its static imports', () => {
    expect(files).toContain('threads/supervisor-core.ts');
    expect(files).toContain('src/protocol/decode.ts');
    expect(packages).toContain('comlink');
    // The walk tells a static import from a type-only or dynamic one.
    expect(staticClosure('threads/validation.ts').packages).not.toContain('zod');
    expect(staticClosure('src/protocol/messages.ts').packages).toContain('zod');
  });

  it('loads no zod and no repl session stack until a request needs them', () => {
    expect([...packages].filter((p) => p === 'zod' || p.startsWith('zod/'))).toEqual([]);
    expect([...files].filter((f) => f.startsWith('src/repl/') || f.startsWith('threads/repl-'))).toEqual([]);
  });
});
