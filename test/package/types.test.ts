import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  defineJsonCommand,
  defineStreamingCommand,
  type LeanReplLease,
  type LeanReplSource,
  type LeanWorkerDataRow,
  type LeanWorkerError,
  type LeanWorkerLeaseFor,
  type LeanWorkerPool,
  type LeanWorkerSessionLease,
  type LeanWorkerSource,
  type LeanWorkerStream,
  type LeaseSnapshot,
  type PoolEventPayloads,
  type QueueTimeoutError,
  type QueueTimeoutFacts,
} from '../../src/index.js';

const count = defineStreamingCommand({
  export: 'count',
  request: z.object({ n: z.number().default(3), label: z.string() }),
  row: z.object({ square: z.number() }),
  summary: z.object({ rows: z.number() }),
});
const greet = defineJsonCommand({
  export: 'greet',
  request: z.object({ name: z.string(), loud: z.boolean().default(false) }),
  response: z.object({ greeting: z.string() }),
});

describe('public types', () => {
  it('types requests by the schema input: fields with defaults are optional', () => {
    expectTypeOf<Parameters<typeof runCount>[1]>().toEqualTypeOf<{ n?: number | undefined; label: string }>();
    expectTypeOf<Parameters<typeof runGreet>[1]>().toEqualTypeOf<{
      name: string;
      loud?: boolean | undefined;
    }>();
    expectTypeOf(runCount).toBeCallableWith({} as LeanWorkerSessionLease, { label: 'x' });
  });

  it('types rows, summaries and responses by the schema output', () => {
    expectTypeOf<ReturnType<typeof runCount>>().toEqualTypeOf<
      LeanWorkerStream<{ square: number }, { rows: number }>
    >();
    expectTypeOf<LeanWorkerDataRow<{ square: number }>['payload']>().toEqualTypeOf<{ square: number }>();
    expectTypeOf<Awaited<ReturnType<typeof runGreet>>>().toEqualTypeOf<{ greeting: string }>();
  });

  it('types snapshots, error facts and event payloads', () => {
    expectTypeOf<ReturnType<LeanWorkerSessionLease['snapshot']>>().toEqualTypeOf<LeaseSnapshot>();
    expectTypeOf<LeaseSnapshot['generation']>().toEqualTypeOf<number>();
    expectTypeOf<QueueTimeoutError['facts']>().toEqualTypeOf<Readonly<QueueTimeoutFacts>>();
    expectTypeOf<QueueTimeoutError>().toExtend<LeanWorkerError>();
    expectTypeOf<PoolEventPayloads['lease-granted']['poolId']>().toEqualTypeOf<string>();
    expectTypeOf<LeanWorkerStream>().toHaveProperty(Symbol.asyncDispose);
  });

  it('gives each source kind its own lease: the other family is a type error', () => {
    expectTypeOf<LeanWorkerLeaseFor<LeanReplSource>>().toEqualTypeOf<LeanReplLease>();
    expectTypeOf<LeanWorkerLeaseFor<LeanWorkerSource>>().toEqualTypeOf<LeanWorkerSessionLease>();
    type Acquired<S extends LeanReplSource | LeanWorkerSource> = Awaited<
      ReturnType<typeof LeanWorkerPool.prototype.acquireLease<S>>
    >;
    expectTypeOf<Acquired<LeanReplSource>>().toEqualTypeOf<LeanReplLease>();
    expectTypeOf<Acquired<LeanWorkerSource>>().toEqualTypeOf<LeanWorkerSessionLease>();
    expectTypeOf<LeanReplLease>().toHaveProperty('check');
    expectTypeOf<LeanReplLease>().toHaveProperty('runTactic');
    expectTypeOf<LeanReplLease>().not.toHaveProperty('runStreamingCommand');
    expectTypeOf<LeanReplLease>().not.toHaveProperty('runDataStream');
    expectTypeOf<LeanWorkerSessionLease>().not.toHaveProperty('check');
    expectTypeOf<LeanWorkerSessionLease>().not.toHaveProperty('runTactic');
    // withLease's callback gets the lease of its source's kind.
    expectTypeOf(checkOnRepl).returns.resolves.toHaveProperty('metadata');
  });
});

/** What a caller passes for a command's request. */
type RequestOf<C> = C extends { request: z.ZodType<unknown, infer R> } ? R : never;

function runCount(lease: LeanWorkerSessionLease, request: RequestOf<typeof count>) {
  return lease.runStreamingCommand(count, request);
}
function runGreet(lease: LeanWorkerSessionLease, request: RequestOf<typeof greet>) {
  return lease.runJsonCommand(greet, request);
}
function checkOnRepl(pool: LeanWorkerPool, repl: LeanReplSource) {
  return pool.withLease(repl, (lease) => lease.check('#eval 1').summary);
}
