/**
 * Runs every benchmark script compiled into dist/bench/ (this runner excluded), one after the
 * other, each in its own Node process, passing `--quick` through.
 *
 *   node dist/bench/run.js [--quick]
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const passThrough = process.argv.includes('--quick') ? ['--quick'] : [];
const self = path.basename(import.meta.filename);
const preferred = ['throughput.js', 'planner.js'];
const scripts = readdirSync(here)
  .filter((name) => name.endsWith('.js') && name !== self)
  .sort((a, b) => {
    const rank = (n: string) => (preferred.includes(n) ? preferred.indexOf(n) : preferred.length);
    return rank(a) - rank(b) || a.localeCompare(b);
  });

const failed: string[] = [];
for (const script of scripts) {
  const args = [path.join(here, script), ...passThrough];
  process.stdout.write(
    `\n=== node ${path.relative(process.cwd(), args[0] as string)} ${passThrough.join(' ')}\n`,
  );
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) failed.push(`${script} (${result.signal ?? `exit ${result.status}`})`);
}
if (scripts.length === 0) process.stdout.write('no benchmark scripts found in dist/bench/\n');
if (failed.length > 0) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`);
  process.exitCode = 1;
}
