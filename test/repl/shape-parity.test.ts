/**
 * The repl protocol parsers (`threads/repl/schemas.ts`) against the zod schemas they replaced
 * (kept here only): on random values, valid and near-valid, both accept the same ones and give
 * the same output (unknown keys dropped from responses, kept-undefined keys kept).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  parseReplCommandResponse,
  parseReplErrorResponse,
  parseReplMessage,
  parseReplProofStepResponse,
  parseReplRequest,
  parseReplSorry,
  parseReplTactic,
} from '../../threads/repl/schemas.js';
import { type Parse, parseWith } from '../../threads/repl/shape.js';

const nat = z.number().int().nonnegative();
const pos = z.object({ line: nat, column: nat });
const message = z.object({
  severity: z.enum(['trace', 'info', 'warning', 'error']),
  pos,
  endPos: pos.nullable().optional(),
  data: z.string(),
});
const sorry = z.object({
  pos: pos.optional(),
  endPos: pos.optional(),
  goal: z.string(),
  proofState: nat.nullable().optional(),
});
const tactic = z.object({
  pos,
  endPos: pos,
  goals: z.string(),
  tactic: z.string(),
  proofState: nat.nullable().optional(),
  usedConstants: z.array(z.string()).optional(),
});
const commandResponse = z.object({
  env: nat,
  messages: z.array(message).optional(),
  sorries: z.array(sorry).optional(),
  tactics: z.array(tactic).optional(),
  infotree: z.unknown().optional(),
});
const proofStepResponse = z.object({
  proofState: nat,
  goals: z.array(z.string()),
  messages: z.array(message).optional(),
  sorries: z.array(sorry).optional(),
  traces: z.array(z.string()).optional(),
  proofStatus: z.string().optional(),
});
const errorResponse = z.object({ message: z.string() });
const commandOptions = {
  allTactics: z.boolean().optional(),
  rootGoals: z.boolean().optional(),
  infotree: z.enum(['full', 'tactics', 'original', 'substantive']).optional(),
};
const request = z.union([
  z.strictObject({ cmd: z.string(), env: nat.optional(), ...commandOptions }),
  z.strictObject({ path: z.string(), env: nat.optional(), ...commandOptions }),
  z.strictObject({ tactic: z.string(), proofState: nat }),
  z.strictObject({ pickleTo: z.string(), env: nat }),
  z.strictObject({ pickleTo: z.string(), proofState: nat }),
  z.strictObject({ unpickleEnvFrom: z.string() }),
  z.strictObject({ unpickleProofStateFrom: z.string(), env: nat.optional() }),
]);

const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(-0, 0.5, 2 ** 53, 2 ** 53 - 1, Number.NaN, Number.POSITIVE_INFINITY, -1),
  fc.double(),
  fc.string({ maxLength: 3 }),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.constantFrom('trace', 'error', 'fatal', 'full', 'none'),
);
/** Mostly `valid`, sometimes anything. */
const near = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: junk });
const EXTRA_KEYS = ['x', 'env', 'cmd', 'proofState', 'goals', 'message', 'infotree', 'path'];
/** A record of the fields (all present, or any of them), now and then with other keys. */
function shaped(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc.oneof(fc.record(fields), fc.record(fields, { requiredKeys: [] }));
  const extra = fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...EXTRA_KEYS), junk, { maxKeys: 2 }) },
  );
  return near(fc.tuple(extra, record).map(([e, r]) => ({ ...e, ...r })));
}
const natA = near(fc.nat());
const strA = near(fc.string({ maxLength: 4 }));
const boolA = near(fc.boolean());
const arr = (item: fc.Arbitrary<unknown>) => near(fc.array(item, { maxLength: 3 }));
const posA = shaped({ line: natA, column: natA });
const messageA = shaped({
  severity: near(fc.constantFrom('trace', 'info', 'warning', 'error')),
  pos: posA,
  endPos: fc.oneof(posA, fc.constant(null)),
  data: strA,
});
const sorryA = shaped({ pos: posA, endPos: posA, goal: strA, proofState: fc.oneof(natA, fc.constant(null)) });
const tacticA = shaped({
  pos: posA,
  endPos: posA,
  goals: strA,
  tactic: strA,
  proofState: fc.oneof(natA, fc.constant(null)),
  usedConstants: arr(strA),
});
const commandResponseA = shaped({
  env: natA,
  messages: arr(messageA),
  sorries: arr(sorryA),
  tactics: arr(tacticA),
  infotree: fc.oneof(junk, fc.jsonValue()),
});
const proofStepResponseA = shaped({
  proofState: natA,
  goals: arr(strA),
  messages: arr(messageA),
  sorries: arr(sorryA),
  traces: arr(strA),
  proofStatus: strA,
});
const infotreeA = near(fc.constantFrom('full', 'tactics', 'original', 'substantive'));
const optionsA = { allTactics: boolA, rootGoals: boolA, infotree: infotreeA };
const requestA = fc.oneof(
  shaped({ cmd: strA, env: natA, ...optionsA }),
  shaped({ path: strA, env: natA, ...optionsA }),
  shaped({ tactic: strA, proofState: natA }),
  shaped({ pickleTo: strA, env: natA }),
  shaped({ pickleTo: strA, proofState: natA }),
  shaped({ unpickleEnvFrom: strA }),
  shaped({ unpickleProofStateFrom: strA, env: natA }),
);

function agree(schema: z.ZodType, parse: Parse<unknown>, value: unknown): void {
  const expected = schema.safeParse(value);
  const got = parseWith(parse, value);
  expect(got.success).toBe(expected.success);
  if (got.success && expected.success) expect(got.data).toStrictEqual(expected.data);
  if (!got.success) expect(got.issues.length).toBeGreaterThan(0);
}

const cases: [string, z.ZodType, Parse<unknown>, fc.Arbitrary<unknown>][] = [
  ['message', message, parseReplMessage, messageA],
  ['sorry', sorry, parseReplSorry, sorryA],
  ['tactic', tactic, parseReplTactic, tacticA],
  ['command response', commandResponse, parseReplCommandResponse, commandResponseA],
  ['proof step response', proofStepResponse, parseReplProofStepResponse, proofStepResponseA],
  ['error response', errorResponse, parseReplErrorResponse, shaped({ message: strA })],
  ['request', request, parseReplRequest, requestA],
];

describe('repl protocol parsers agree with the zod schemas', () => {
  for (const [name, schema, parse, arbitrary] of cases) {
    it(`${name}: same verdict and output on random values`, () => {
      let accepted = 0;
      let refused = 0;
      fc.assert(
        fc.property(arbitrary, (value) => {
          agree(schema, parse, value);
          if (schema.safeParse(value).success) accepted += 1;
          else refused += 1;
        }),
        { numRuns: 1500 },
      );
      // The generator reaches both sides of the line.
      expect(accepted).toBeGreaterThan(0);
      expect(refused).toBeGreaterThan(0);
    });
  }

  it('same verdict on the edges: -0, 2^53, inherited keys, holes, undefined fields', () => {
    const values: [z.ZodType, Parse<unknown>, unknown][] = [
      [commandResponse, parseReplCommandResponse, { env: -0 }],
      [commandResponse, parseReplCommandResponse, { env: 2 ** 53 }],
      [commandResponse, parseReplCommandResponse, Object.create({ env: 1 })],
      [commandResponse, parseReplCommandResponse, Object.create({ env: -1 })],
      [commandResponse, parseReplCommandResponse, { env: 1, messages: undefined, infotree: undefined }],
      [commandResponse, parseReplCommandResponse, new Date()],
      [
        proofStepResponse,
        parseReplProofStepResponse,
        { proofState: 1, goals: new Array<string>(2).fill('a', 1) },
      ],
      [request, parseReplRequest, Object.create({ x: 1 }, { cmd: { value: 'a', enumerable: true } })],
      [request, parseReplRequest, { cmd: 'a', env: undefined }],
      [request, parseReplRequest, { tactic: 'a', proofState: undefined }],
    ];
    for (const [schema, parse, value] of values) agree(schema, parse, value);
  });
});
