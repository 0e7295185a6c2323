/**
 * Keep in the package only the declaration files its entry points reach:
 * `node scripts/prune-declarations.mjs dist src/index.d.ts src/child/index.d.ts` deletes every
 * other `.d.ts` under `dist` (the CLI's, the supervisor's internals, the demo fixtures').
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const [outDir = 'dist', ...entries] = process.argv.slice(2);
const reached = new Set();

function visit(file) {
  if (reached.has(file) || !existsSync(file)) return;
  reached.add(file);
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/(?:from\s*|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
    visit(path.resolve(path.dirname(file), match[1].replace(/\.js$/, '.d.ts')));
  }
}

function declarations(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return declarations(full);
    return entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

for (const entry of entries) visit(path.resolve(outDir, entry));
let removed = 0;
for (const file of declarations(path.resolve(outDir))) {
  if (!reached.has(file)) {
    rmSync(file);
    removed += 1;
  }
}
console.log(`declarations kept: ${reached.size}, removed: ${removed}`);
