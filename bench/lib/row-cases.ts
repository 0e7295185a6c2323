/**
 * The ways rows reach a consumer in the throughput benchmark. Each case streams `count` rows of
 * the fast fixture child and returns CPU and throughput figures between two probes.
 */
import { once } from 'node:events';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { LeanWorkerSessionLease } from '../../src/index.js';
import { LeanWorkerStream } from '../../src/stream/lean-worker-stream.js';
import { SupervisorHandle } from '../../src/worker/supervisor-handle.js';
import { BareChild } from './bare-child.js';
import type { ConsumerDone } from './consume.js';
import { measure, probe, type RunMeasure } from './cpu.js';
import { FAST_ROWS_CHILD, fastRows, fastRowsSource } from './fixtures.js';

export interface RowCase {
  readonly name: string;
  readonly label: string;
  run(count: number): Promise<RunMeasure>;
  close(): Promise<void>;
}

/** Wire bytes per row, measured on the baseline and used for every case's MB/s. */
export const wire = { bytesPerRow: 0 };

function expectRows(name: string, count: number, got: { rows: number; ok?: boolean; error?: string }): void {
  if (got.rows !== count || got.ok === false) {
    throw new Error(`${name}: expected ${count} rows, got ${got.rows} (${got.error ?? 'ok'})`);
  }
}

/** One thread, no pool: the main thread spawns the child and decodes every frame itself. */
export async function baselineCase(): Promise<RowCase> {
  const bare = await BareChild.start(FAST_ROWS_CHILD);
  const warm = await bare.stream(10_000);
  wire.bytesPerRow = warm.bytes / warm.rows;
  return {
    name: 'baseline',
    label: 'baseline: main thread reads the child, no pool',
    async run(count) {
      const before = probe();
      const got = await bare.stream(count);
      const after = probe();
      expectRows('baseline', count, got);
      return measure(before, after, got.rows, got.bytes);
    },
    close: () => bare.stop(),
  };
}

/** A worker thread that reads transferred row ports (`consumeRowPort`). */
export class ConsumerThread {
  readonly worker: Worker;
  readonly tid: number;
  private constructor(worker: Worker, tid: number) {
    this.worker = worker;
    this.tid = tid;
  }
  static async start(): Promise<ConsumerThread> {
    const worker = new Worker(new URL('./row-consumer-worker.js', import.meta.url));
    const [hello] = (await once(worker, 'message')) as [{ tid: number }];
    return new ConsumerThread(worker, hello.tid);
  }
  read(port: MessagePort): Promise<ConsumerDone> {
    const done = new Promise<ConsumerDone>((resolve) => this.worker.once('message', resolve));
    this.worker.postMessage({ port }, [port]);
    return done;
  }
  close(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A piscina pool of one thread whose task reads a transferred row port. */
export class PiscinaConsumer {
  readonly pool: Piscina;
  tid = -1;
  constructor() {
    this.pool = new Piscina({
      filename: new URL('./piscina-row-task.js', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      // A thread parked in Atomics.wait would count as busy in its event-loop utilisation.
      atomics: 'disabled',
    });
  }
  get worker(): Worker {
    return this.pool.threads[0] as Worker;
  }
  async read(port: MessagePort): Promise<ConsumerDone> {
    const done = (await this.pool.run({ port }, { transferList: [port as never] })) as ConsumerDone & {
      tid: number;
    };
    this.tid = done.tid;
    return done;
  }
  close(): Promise<void> {
    return this.pool.destroy();
  }
}

type Lease = LeanWorkerSessionLease;

export function leaseMainCase(lease: Lease): RowCase {
  return {
    name: 'leaseMain',
    label: 'lease, consumer on main',
    async run(count) {
      const before = probe();
      let rows = 0;
      const stream = lease.runStreamingCommand(fastRows, { count });
      for await (const row of stream) rows += row.payload.i >= 0 ? 1 : 0;
      await stream.summary;
      const after = probe();
      expectRows('lease/main', count, { rows });
      return measure(before, after, rows, rows * wire.bytesPerRow);
    },
    close: async () => {},
  };
}

export function leaseWorkerCase(lease: Lease, consumer: ConsumerThread): RowCase {
  return {
    name: 'leaseWorker',
    label: 'lease, consumer in a worker thread',
    async run(count) {
      const before = probe([consumer.worker]);
      const stream = lease.runStreamingCommand(fastRows, { count });
      const [got] = await Promise.all([consumer.read(stream.transferPort()), stream.summary]);
      const after = probe([consumer.worker]);
      expectRows('lease/worker', count, got);
      return measure(before, after, got.rows, got.rows * wire.bytesPerRow, consumer);
    },
    close: async () => {},
  };
}

export function leasePiscinaCase(lease: Lease, consumer: PiscinaConsumer): RowCase {
  return {
    name: 'leasePiscina',
    label: 'lease, consumer in a piscina task',
    async run(count) {
      const worker = consumer.worker;
      const before = probe([worker]);
      const stream = lease.runStreamingCommand(fastRows, { count });
      const [got] = await Promise.all([consumer.read(stream.transferPort()), stream.summary]);
      const after = probe([worker]);
      expectRows('lease/piscina', count, got);
      return measure(before, after, got.rows, got.rows * wire.bytesPerRow, { worker, tid: consumer.tid });
    },
    close: async () => {},
  };
}

let nextId = 1;

/**
 * A supervisor thread over the fast child without the pool, so the relay's batch cap can be set:
 * `maxBatchItems` 1 turns natural batching off. Requests are sent as a lease sends them.
 */
export async function supervisorCase(
  maxBatchItems: number,
  consumer: ConsumerThread | null,
): Promise<RowCase> {
  const resolved = await fastRowsSource().resolve();
  const handle = await SupervisorHandle.start({
    launch: resolved.launch,
    restart: { maxRestarts: 16, windowMs: 60_000, backoffBaseMs: 0, backoffMaxMs: 0 },
    relay: { initialCredit: 8, maxBatchItems, maxBatchBytes: 64 * 1024 },
  });
  const where = consumer ? 'worker thread' : 'main';
  const name = `supervisorBatch${maxBatchItems}${consumer ? 'Worker' : 'Main'}`;
  return {
    name,
    label: `supervisor, batches of <= ${maxBatchItems}, consumer on ${where}`,
    async run(count) {
      const threads = consumer ? [consumer.worker] : [];
      const before = probe(threads);
      const channel = new MessageChannel();
      const control = handle.request(
        {
          id: nextId++,
          generation: handle.generation,
          request: {
            op: 'run_data_stream',
            export: 'rows',
            request_json: JSON.stringify({ count }),
            progress: false,
          },
          timeoutMs: 0,
          idleTimeoutMs: 0,
          // The strict child serves only in a session opened with the capability manifest: the
          // supervisor opens it on the first request that finds none.
          ...(resolved.session ? { session: resolved.session } : {}),
        },
        channel.port2,
      );
      let rows = 0;
      if (consumer) {
        const [got] = await Promise.all([consumer.read(channel.port1), control]);
        expectRows(name, count, got);
        rows = got.rows;
      } else {
        const stream = new LeanWorkerStream<{ i: number }, unknown>(channel.port1, control, {});
        for await (const row of stream) rows += row.payload.i >= 0 ? 1 : 0;
        await stream.summary;
        expectRows(name, count, { rows });
      }
      const after = probe(threads);
      return measure(before, after, rows, rows * wire.bytesPerRow, consumer ?? undefined);
    },
    close: async () => {
      await handle.shutdown('kill');
    },
  };
}
