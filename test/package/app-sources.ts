/**
 * The app that the bundling tests build: a child-kit child, and a main module that runs a pool
 * with typed commands against it and prints what it got (`failed {code, facts}` on an error).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Write the app into `<work>/app` with `main` as its main module, the library and zod linked into
 * its `node_modules` (the bundler resolves them there); returns the app's folder.
 */
export function writeApp(work: string, main: string): string {
  const app = path.join(work, 'app');
  mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, path.join(app, 'node_modules', 'lean-worker-pool'), 'dir');
  symlinkSync(path.join(ROOT, 'node_modules', 'zod'), path.join(app, 'node_modules', 'zod'), 'dir');
  writeFileSync(path.join(app, 'main.mjs'), main);
  writeFileSync(path.join(app, 'child.mjs'), CHILD);
  return app;
}

export const CHILD = `
import { createWorkerChild, generatorExport, jsonExport, metadata, row } from 'lean-worker-pool/child';

await createWorkerChild({
  workerVersion: '1.0.0',
  exports: {
    count: generatorExport(async function* ({ n }) {
      for (let i = 1; i <= n; i++) yield row('squares', { n: i, square: i * i });
      yield metadata({ rows: n });
    }),
    greet: jsonExport(({ name }) => ({ greeting: \`hello, \${name}\` })),
  },
}).run();
`;

export function appMain(o: { readonly childPath: string; readonly poolOptions: string }): string {
  return `
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { defineJsonCommand, defineStreamingCommand, LeanWorkerCapabilityBuilder, LeanWorkerPool } from 'lean-worker-pool';

const count = defineStreamingCommand({
  export: 'count',
  request: z.object({ n: z.number().int().positive() }),
  row: z.object({ n: z.number(), square: z.number() }),
  summary: z.object({ rows: z.number() }),
});
const greet = defineJsonCommand({
  export: 'greet',
  request: z.object({ name: z.string() }),
  response: z.object({ greeting: z.string() }),
});
const builder = new LeanWorkerCapabilityBuilder({
  projectRoot: process.cwd(),
  package: 'example',
  libName: 'Example',
  childKit: true,
  worker: { command: process.execPath, args: [${o.childPath}] },
  commands: [count, greet],
});
const pool = new LeanWorkerPool(${o.poolOptions});
try {
  const lease = await pool.acquireLease(builder);
  try {
    const stream = lease.runStreamingCommand(count, { n: 4 });
    for await (const row of stream) console.log(row.stream, row.payload.square);
    console.log('summary', JSON.stringify((await stream.summary).metadata));
    console.log((await lease.runJsonCommand(greet, { name: 'Lean' })).greeting);
  } finally {
    lease.release();
  }
} catch (error) {
  console.log('failed', JSON.stringify({ code: error.code, facts: error.facts }));
} finally {
  await pool.close();
}
`;
}
