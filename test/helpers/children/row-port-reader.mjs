/**
 * Worker-thread body: reads a transferred row port with `consumeRowPort`, pausing now and then so
 * that credit runs out, and posts back what it saw: the row count, the sequences in order, and the
 * outcome's code.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { consumeRowPort } from '../../../dist/src/stream/lean-worker-stream.js';

const { port } = workerData;
const rows = consumeRowPort(port);
let count = 0;
let ordered = true;
try {
  for await (const row of rows) {
    if (row.sequence !== count) ordered = false;
    count += 1;
    if (count % 200 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  parentPort.postMessage({ count, ordered, ok: true });
} catch (error) {
  parentPort.postMessage({ count, ordered, ok: false, code: error.code });
}
