/** A piscina task that reads a transferred row port to its end (throughput benchmark). */
import type { MessagePort } from 'node:worker_threads';
import { type ConsumerDone, consume } from './consume.js';
import { ownTid } from './cpu.js';

export default async function readRows(task: { port: MessagePort }): Promise<ConsumerDone & { tid: number }> {
  return { ...(await consume(task.port)), tid: ownTid() };
}
