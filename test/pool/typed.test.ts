import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { makePool, rejection, source } from './helpers.js';

/** Schemas JSON Schema can express: checked in the supervisor thread, not on the consumer side. */
const rowsAs = <T extends z.ZodType>(
  row: T,
  summary: z.ZodType = z.object({ ok: z.boolean(), rows: z.number() }),
) => defineStreamingCommand({ export: 'rows', request: z.object({ count: z.number() }), row, summary });

describe('typed commands through a lease', () => {
  it('checks rows in the supervisor: a mismatch is ROW_DECODE, a default is applied', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['T']));
    const wrong = rowsAs(z.object({ i: z.string() }));
    expect(wrong.rowThreadSchema).not.toBeNull();
    const failed = lease.runStreamingCommand(wrong, { count: 3 });
    const error = await rejection(failed.collect(), ErrorCode.ROW_DECODE);
    expect(error.facts).toMatchObject({ export: 'rows', stream: 'rows', sequence: 0 });
    // Validation failures drain the stream without killing the child: the lease stays usable.
    expect(lease.isValid).toBe(true);

    const tagged = rowsAs(z.object({ i: z.number(), text: z.string(), tag: z.string().default('none') }));
    const { rows, summary } = await lease.runStreamingCommand(tagged, { count: 2 }).collect();
    expect(rows.map((r) => r.payload)).toEqual([
      expect.objectContaining({ i: 0, tag: 'none' }),
      expect.objectContaining({ i: 1, tag: 'none' }),
    ]);
    expect(summary.metadata).toEqual({ ok: true, rows: 2 });
    lease.release();
  });

  it('checks summaries and JSON responses in the supervisor', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const lease = await pool.acquireLease(source(['T']));
    const badSummary = rowsAs(z.unknown(), z.object({ ok: z.string() }));
    await rejection(lease.runStreamingCommand(badSummary, { count: 1 }).collect(), ErrorCode.SUMMARY_DECODE);
    const badEcho = defineJsonCommand({
      export: 'echo',
      request: z.object({ x: z.number() }),
      response: z.object({ echo: z.object({ x: z.string() }) }),
    });
    expect(badEcho.responseThreadSchema).not.toBeNull();
    await rejection(lease.runJsonCommand(badEcho, { x: 1 }), ErrorCode.RESPONSE_DECODE);
    lease.release();
  });
});
