import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineJsonCommand,
  defineStreamingCommand,
  ErrorCode,
  LeanWorkerCapabilityBuilder,
  LeanWorkerPool,
} from '../../src/index.js';
import { fixture } from './harness.js';

const count = defineStreamingCommand({
  export: 'count',
  request: z.object({ n: z.number().int().default(3) }),
  row: z.object({ i: z.number() }),
  summary: z.object({ rows: z.number() }),
});
const echo = defineJsonCommand({
  export: 'echo',
  request: z.object({ text: z.string() }),
  response: z.object({ echo: z.object({ text: z.string() }) }),
});

let projectRoot = '';
let pool: LeanWorkerPool | null = null;
beforeEach(() => {
  projectRoot = mkdtempSync(path.join(os.tmpdir(), 'lwp-kit-'));
});
afterEach(async () => {
  await pool?.destroy();
  pool = null;
  rmSync(projectRoot, { recursive: true, force: true });
});

function builder(args: string[], extra: Record<string, unknown> = {}) {
  return new LeanWorkerCapabilityBuilder({
    projectRoot,
    package: 'demo',
    libName: 'Demo',
    childKit: true,
    worker: { command: process.execPath, args },
    commands: [count, echo],
    ...extra,
  });
}

describe('a child-kit child through the pool, with no Lean toolchain', () => {
  it('runs typed commands while the child logs with console.log and process.stdout.write', async () => {
    pool = new LeanWorkerPool({ maxWorkers: 1 });
    await using lease = await pool.acquireLease(builder([fixture('chatty-child')]));
    const { rows, summary } = await lease.runStreamingCommand(count, {}).collect();
    expect(rows.map((r) => r.payload.i)).toEqual([0, 1, 2]);
    expect(summary.metadata).toEqual({ rows: 3 });
    expect(await lease.runJsonCommand(echo, { text: 'hi' })).toEqual({ echo: { text: 'hi' } });
  });

  it('refuses an export the builder does not declare, before anything is sent', async () => {
    pool = new LeanWorkerPool({ maxWorkers: 1 });
    await using lease = await pool.acquireLease(builder([fixture('chatty-child')], { commands: [count] }));
    await expect(lease.runJsonCommand(echo, { text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.EXPORT_NOT_DECLARED,
    });
  });

  it('is refused as options without a worker command, or with a manifest', () => {
    const base = { projectRoot, package: 'demo', libName: 'Demo', childKit: true };
    expect(() => new LeanWorkerCapabilityBuilder(base)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
    expect(
      () =>
        new LeanWorkerCapabilityBuilder({
          ...base,
          worker: { command: process.execPath },
          manifestPath: path.join(projectRoot, 'm.json'),
        }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }));
  });

  it('names text a child printed on stdout as non-protocol output and shows it', async () => {
    pool = new LeanWorkerPool({ maxWorkers: 1 });
    const printer = ['-e', "require('node:fs').writeSync(1, 'debug: hello\\n'); setInterval(() => {}, 1000)"];
    const error = await pool.acquireLease(builder(printer)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: ErrorCode.HANDSHAKE,
      facts: { reason: 'non_protocol_output', excerpt: 'debug: hello\n' },
    });
    expect((error as Error).message).toContain('non-protocol bytes to stdout');
  });
});
