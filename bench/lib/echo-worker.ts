/**
 * A worker thread that answers every message on the port it is sent with the same message: one
 * MessagePort round trip to another thread, the least a supervisor thread adds to a request.
 */
import { type MessagePort, parentPort } from 'node:worker_threads';

parentPort?.once('message', (port: MessagePort) => {
  port.on('message', (message: unknown) => port.postMessage(message));
});
