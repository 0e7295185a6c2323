/**
 * A worker thread that owns a bare child and relays: each `{ call, x }` on the port it is sent
 * becomes one `json_command echo` on its child, and the reply goes back on the port. A supervisor
 * thread with no pool in it: no lease, no schema, no deadline, no counters. The least any design
 * with a thread between caller and child can cost a round trip.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { BareChild } from './bare-child.js';

export interface RelayCall {
  readonly call: number;
  readonly x: number;
}

if (parentPort) {
  const main = parentPort;
  const child = await BareChild.start(workerData as string);
  main.once('message', (port: MessagePort) => {
    port.on('message', ({ call, x }: RelayCall) => {
      child.echo(x).then(
        (reply) => port.postMessage({ call, reply }),
        (error: unknown) => port.postMessage({ call, error: String(error) }),
      );
    });
    port.once('close', () => void child.stop());
  });
  main.postMessage('ready');
}
