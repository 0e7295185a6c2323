/**
 * The throughput benchmark's floor case: the data plane's design with nothing but its unavoidable
 * work (UTF-8 decoding and `JSON.parse` in a worker thread, `JSON.parse` of each batch on main),
 * to show what the pool's per-row CPU could at best be on this machine.
 */
import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { measure, probe } from './cpu.js';
import { type RowCase, wire } from './row-cases.js';

export async function floorCase(): Promise<RowCase> {
  const worker = new Worker(new URL('./floor-worker.js', import.meta.url));
  await once(worker, 'message');
  return {
    name: 'floor',
    label: 'floor: worker decodes + parses, main parses',
    async run(count) {
      const before = probe();
      const channel = new MessageChannel();
      let rows = 0;
      const read = new Promise<void>((resolve) => {
        channel.port1.on('message', (text: string | null) => {
          if (text === null) {
            channel.port1.close();
            resolve();
            return;
          }
          const payloads = JSON.parse(text) as { i: number }[];
          for (let k = 0; k < payloads.length; k++) rows += (payloads[k] as { i: number }).i >= 0 ? 1 : 0;
        });
      });
      const done = once(worker, 'message');
      worker.postMessage({ count, port: channel.port2 }, [channel.port2]);
      await Promise.all([read, done]);
      const after = probe();
      if (rows !== count) throw new Error(`floor: expected ${count} rows, got ${rows}`);
      return measure(before, after, rows, rows * wire.bytesPerRow);
    },
    close: async () => {
      worker.postMessage('stop');
      await once(worker, 'exit');
    },
  };
}
