/**
 * Consumer thread for the throughput benchmark: reads each transferred row port it is sent, then
 * reports what it saw. Posts its kernel thread id first.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';
import { consume } from './consume.js';
import { ownTid } from './cpu.js';

const parent = parentPort;
if (parent) {
  parent.postMessage({ tid: ownTid() });
  parent.on('message', async (message: { port: MessagePort }) => {
    parent.postMessage(await consume(message.port));
  });
}
