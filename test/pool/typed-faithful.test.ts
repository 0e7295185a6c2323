/**
 * Typed commands mean what zod means: the value a consumer gets is exactly `schema.parse(payload)`
 * for rows, summaries and responses, whether the supervisor thread checks the schema or the
 * consumer does, and a row the schema refuses fails the iterator, the summary and the pool's count.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import { makePool, rejection } from './helpers.js';
import { hostile, payloadRows } from './hostile.js';

const cases: { name: string; row: z.ZodType; payloads: unknown[]; thread: boolean }[] = [
  {
    name: 'transform',
    row: z.object({ i: z.number() }).transform((r) => ({ ...r, doubled: r.i * 2 })),
    payloads: [{ i: 1 }, { i: 2 }],
    thread: false,
  },
  { name: 'refine (passing)', row: z.number().refine((n) => n > 0), payloads: [1, 2], thread: false },
  {
    name: 'superRefine',
    row: z.string().superRefine((s, ctx) => {
      if (s.length > 3) ctx.addIssue({ code: 'custom', message: 'too long' });
    }),
    payloads: ['ab', 'abc'],
    thread: false,
  },
  { name: 'preprocess', row: z.preprocess((v) => String(v), z.string()), payloads: [1, 'x'], thread: false },
  { name: 'coerce', row: z.coerce.number(), payloads: ['5', 6], thread: false },
  { name: 'catch', row: z.number().catch(-1), payloads: [3, 'not a number'], thread: false },
  { name: 'trim', row: z.string().trim(), payloads: ['  a  '], thread: false },
  {
    name: 'regex with i',
    row: z.string().regex(/^LEMMA_/i),
    payloads: ['lemma_a', 'LEMMA_b'],
    thread: false,
  },
  { name: 'regex with u', row: z.string().regex(/\p{Ll}/u), payloads: ['é', 'aB'], thread: false },
  { name: 'regex without flags', row: z.string().regex(/^L/), payloads: ['La', 'Lb'], thread: true },
  {
    name: 'object strips unknown keys',
    row: z.object({ name: z.string(), inner: z.array(z.object({ k: z.number() })) }),
    payloads: [{ name: 'a', extra: 1, inner: [{ k: 1, drop: true }] }],
    thread: true,
  },
  {
    name: 'nullable object strips too',
    row: z.object({ o: z.object({ a: z.number() }).nullable() }),
    payloads: [{ o: { a: 1, b: 2 } }, { o: null }],
    thread: true,
  },
  {
    name: 'strict and loose objects',
    row: z.object({ s: z.strictObject({ a: z.number() }), l: z.looseObject({ a: z.number() }) }),
    payloads: [{ s: { a: 1 }, l: { a: 2, keep: 3 } }],
    thread: true,
  },
  {
    name: 'default',
    row: z.object({ t: z.string().default('none') }),
    payloads: [{}, { t: 'x' }],
    thread: true,
  },
  {
    name: 'union of stripping objects',
    row: z.union([z.object({ a: z.number() }), z.object({ b: z.string() })]),
    payloads: [
      { a: 1, x: 0 },
      { b: 'y', x: 0 },
    ],
    thread: false,
  },
];

const refusing: { name: string; row: z.ZodType; payloads: unknown[] }[] = [
  { name: 'refine', row: z.number().refine((n) => n > 0), payloads: [1, -1, 2] },
  { name: 'regex with i', row: z.string().regex(/^LEMMA_/i), payloads: ['lemma_a', 'theorem_b'] },
  { name: 'strict object', row: z.strictObject({ a: z.number() }), payloads: [{ a: 1 }, { a: 1, b: 2 }] },
];

describe('typed commands mean what zod means', () => {
  it.each(cases)('rows: $name', async ({ row, payloads, thread }) => {
    const pool = makePool({ maxWorkers: 1 });
    const command = payloadRows(row);
    expect(command.rowThreadSchema !== null).toBe(thread);
    await pool.withLease(hostile(), async (lease) => {
      const { rows } = await lease.runStreamingCommand(command, { payloads }).collect();
      expect(rows.map((r) => r.payload)).toEqual(payloads.map((p) => row.parse(p)));
    });
  });

  it.each(refusing)(
    'a refused row fails the iterator, the summary and the count: $name',
    async ({ row, payloads }) => {
      const pool = makePool({ maxWorkers: 1 });
      await pool.withLease(hostile(), async (lease) => {
        const stream = lease.runStreamingCommand(payloadRows(row), { payloads });
        await rejection(stream.collect(), ErrorCode.ROW_DECODE);
        await rejection(stream.summary, ErrorCode.ROW_DECODE);
      });
      expect(pool.snapshot()).toMatchObject({ streamRequests: 1, streamSuccesses: 0, streamFailures: 1 });
    },
  );

  it('a stream never iterated still fails its summary on a refused row', async () => {
    const pool = makePool({ maxWorkers: 1 });
    await pool.withLease(hostile(), async (lease) => {
      const stream = lease.runStreamingCommand(payloadRows(z.number().refine((n) => n > 0)), {
        payloads: [1, 2, -3],
      });
      await rejection(stream.summary, ErrorCode.ROW_DECODE);
    });
  });

  it('summaries and responses are parsed by their schemas too', async () => {
    const pool = makePool({ maxWorkers: 1 });
    await pool.withLease(hostile(), async (lease) => {
      const summarised = defineStreamingCommand({
        export: 'rows',
        request: z.object({ payloads: z.array(z.unknown()), metadata: z.unknown() }),
        row: z.unknown(),
        summary: z.object({ n: z.coerce.number(), tag: z.string() }),
      });
      const { summary } = await lease
        .runStreamingCommand(summarised, { payloads: [], metadata: { n: '7', tag: 't', drop: 1 } })
        .collect();
      expect(summary.metadata).toEqual({ n: 7, tag: 't' });
      const echoed = defineJsonCommand({
        export: 'echo',
        request: z.object({ x: z.number() }),
        response: z.object({ echo: z.object({ x: z.number() }) }).transform((r) => r.echo.x + 1),
      });
      expect(await lease.runJsonCommand(echoed, { x: 41 })).toBe(42);
      const stripped = defineJsonCommand({
        export: 'echo',
        request: z.object({ x: z.number(), y: z.number() }).strict(),
        response: z.object({ echo: z.object({ x: z.number() }) }),
      });
      expect(stripped.responseThreadSchema).not.toBeNull();
      expect(await lease.runJsonCommand(stripped, { x: 1, y: 2 })).toEqual({ echo: { x: 1 } });
    });
  });

  it('a stream of consumer-checked rows cannot be transferred unchecked', async () => {
    const pool = makePool({ maxWorkers: 1 });
    await pool.withLease(hostile(), async (lease) => {
      const stream = lease.runStreamingCommand(payloadRows(z.number().transform(String)), { payloads: [1] });
      expect(() => stream.transferPort()).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_ARGUMENT }),
      );
      expect((await stream.collect()).rows.map((r) => r.payload)).toEqual(['1']);
    });
  });
});

const decided: { name: string; row: z.ZodType; same: boolean }[] = [
  {
    name: 'loose object with a property named default',
    row: z.looseObject({ default: z.number() }),
    same: true,
  },
  { name: 'array of numbers', row: z.array(z.number().int()), same: true },
  { name: 'field with a default', row: z.looseObject({ n: z.number().default(1) }), same: false },
  { name: 'object that strips unknown keys', row: z.object({ n: z.number() }), same: false },
  { name: 'nested stripping object', row: z.array(z.looseObject({ inner: z.object({}) })), same: false },
];

describe('what the supervisor thread is told about a schema it checks', () => {
  it.each(decided)(
    'decides once, from the schema, whether a passing value comes back unchanged: $name',
    ({ row, same }) => {
      const schema = payloadRows(row).rowThreadSchema;
      expect(schema).not.toBeNull();
      expect(schema?.preservesValue).toBe(same);
    },
  );
});
