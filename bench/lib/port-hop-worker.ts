/**
 * Sender thread for `bench/port-hop.ts`. Holds rows as the JSON text a supervisor reads from its
 * child, and posts them to the transferred port in one of the hop modes, as fast as it can. Batches
 * close at 256 rows or 64 KiB, as the relay's natural batches do.
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { makeRows, type RowSize } from './rows.js';

export type HopMode = 'per-row' | 'objects' | 'string' | 'arraybuffer';
export interface HopCommand {
  readonly mode: HopMode;
  readonly reps: number;
}

const MAX_ITEMS = 256;
const MAX_BYTES = 64 * 1024;

const { size, port } = workerData as { size: RowSize; port: MessagePort };
const texts = makeRows(size).map((r) => JSON.stringify(r));
const byteLengths = texts.map((t) => Buffer.byteLength(t));

/** Row index ranges of the natural batches. */
const batches: [number, number][] = [];
for (let start = 0; start < texts.length; ) {
  let end = start;
  let bytes = 0;
  while (end < texts.length && end - start < MAX_ITEMS && bytes < MAX_BYTES)
    bytes += byteLengths[end++] as number;
  batches.push([start, end]);
  start = end;
}
/** UTF-8 bytes of each batch's lines, standing for pipe chunks a reader could transfer as they are. */
const chunks = batches.map(([s, e]) => new TextEncoder().encode(texts.slice(s, e).join('\n')));

function send(mode: HopMode): void {
  if (mode === 'per-row') {
    for (const t of texts) port.postMessage(JSON.parse(t));
    return;
  }
  for (let b = 0; b < batches.length; b++) {
    const [s, e] = batches[b] as [number, number];
    if (mode === 'objects') {
      const items: unknown[] = [];
      for (let i = s; i < e; i++) items.push(JSON.parse(texts[i] as string));
      port.postMessage(items);
    } else if (mode === 'string') {
      port.postMessage(texts.slice(s, e).join('\n'));
    } else {
      const copy = (chunks[b] as Uint8Array).slice();
      port.postMessage(copy.buffer, [copy.buffer]);
    }
  }
}

parentPort?.on('message', (command: HopCommand) => {
  for (let r = 0; r < command.reps; r++) send(command.mode);
  port.postMessage({ done: true });
});
parentPort?.postMessage({ ready: texts.length });
