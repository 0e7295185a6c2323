/** Reading a transferred row port to its end, as a consumer thread or a piscina task does. */
import type { MessagePort } from 'node:worker_threads';
import { consumeRowPort } from '../../src/index.js';

export interface ConsumerDone {
  readonly rows: number;
  readonly checksum: number;
  readonly ok: boolean;
  readonly error?: string;
}

/** Read every row of `port` (fast-rows payloads) and its summary. */
export async function consume(port: MessagePort): Promise<ConsumerDone> {
  const consumer = consumeRowPort<{ i: number }>(port);
  let rows = 0;
  let checksum = 0;
  try {
    for await (const row of consumer) {
      rows += 1;
      checksum += row.payload.i;
    }
    await consumer.summary;
    return { rows, checksum, ok: true };
  } catch (error) {
    return { rows, checksum, ok: false, error: String(error) };
  }
}
