// Reads a transferred row port in a worker thread and reports what it saw.
import { parentPort, workerData } from 'node:worker_threads';
import { consumeRowPort } from '../../dist/src/index.js';

const consumer = consumeRowPort(workerData.port);
let count = 0;
let last = -1;
let ordered = true;
for await (const row of consumer) {
  if (row.sequence <= last) ordered = false;
  last = row.sequence;
  count += 1;
}
const summary = await consumer.summary;
parentPort.postMessage({
  count,
  ordered,
  ok: summary.metadata?.ok ?? null,
  rows: summary.metadata?.rows ?? null,
});
