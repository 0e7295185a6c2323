/**
 * The floor of the data plane's design, for the throughput benchmark: one worker thread reads the
 * fast child with the protocol codec, decodes and parses each row's payload, and posts what one
 * read yields as one JSON array text; no pool, no supervisor bookkeeping, no credit, no schema.
 * Posts its kernel thread id first, then for each `{count, port}` the rows it relayed.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { BareChild } from './bare-child.js';
import { ownTid } from './cpu.js';
import { FAST_ROWS_CHILD } from './fixtures.js';

const parent = parentPort;
if (parent) {
  const child = await BareChild.start(FAST_ROWS_CHILD);
  parent.postMessage({ tid: ownTid() });
  parent.on('message', async (message: { count: number; port: MessagePort } | 'stop') => {
    if (message === 'stop') {
      await child.stop();
      parent.close();
      return;
    }
    const { count, port } = message;
    const rows = await child.streamPayloads(count, (text) => port.postMessage(text));
    port.postMessage(null);
    port.close();
    parent.postMessage({ rows });
  });
}
