import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type AbortError,
  defineJsonCommand,
  defineStreamingCommand,
  ErrorCode,
  type ErrorOf,
  type LeanReplLease,
  type LeanReplSource,
  type LeanWorkerDataRow,
  LeanWorkerError,
  type LeanWorkerLeaseFor,
  type LeanWorkerPool,
  type LeanWorkerSessionLease,
  type LeanWorkerSource,
  type LeanWorkerStream,
  type LeaseBusyError,
  type LeaseSnapshot,
  type MemoryLimitError,
  type PoolEventPayloads,
  type QuarantinedError,
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

  it('narrows an error and its facts by code after instanceof, without a cast', () => {
    const caught: unknown = new Error('not ours');
    if (caught instanceof LeanWorkerError) {
      if (caught.code === ErrorCode.QUEUE_TIMEOUT) {
        expectTypeOf(caught).toEqualTypeOf<QueueTimeoutError>();
        expectTypeOf(caught.facts.queueWaitMs).toEqualTypeOf<number | undefined>();
      }
      if (caught.code === ErrorCode.ABORTED) {
        expectTypeOf(caught).toEqualTypeOf<AbortError>();
        expectTypeOf(caught.facts.waitedMs).toEqualTypeOf<number | undefined>();
      }
      if (caught.code === ErrorCode.QUARANTINED) {
        expectTypeOf(caught.facts.retryAfterMs).toEqualTypeOf<number | undefined>();
      }
    }
    expectTypeOf<ErrorOf<typeof ErrorCode.LEASE_BUSY>>().toEqualTypeOf<LeaseBusyError>();
    expectTypeOf<ErrorOf<typeof ErrorCode.MEMORY_LIMIT>>().toEqualTypeOf<MemoryLimitError>();
    expectTypeOf<ErrorOf<typeof ErrorCode.QUARANTINED>>().toEqualTypeOf<QuarantinedError>();
    expectTypeOf<MemoryLimitError['facts']['limitKib']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<QueueTimeoutError['code']>().toEqualTypeOf<typeof ErrorCode.QUEUE_TIMEOUT>();
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
