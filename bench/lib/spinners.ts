/** Busy threads for the event-loop benchmarks' floors: the load, with main idle. */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * `count` threads of this process that spin until stopped. Start (and stop) them outside a
 * measured window, so the window holds no thread start or exit on main; resolves once every
 * thread spins, with the function that stops them.
 */
export async function spinningThreads(count: number): Promise<() => Promise<void>> {
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const spin = `const { parentPort, workerData } = require('node:worker_threads');
    parentPort.postMessage('spinning');
    while (Atomics.load(workerData, 0) === 0) {}`;
  const threads = Array.from({ length: count }, () => new Worker(spin, { eval: true, workerData: stop }));
  await Promise.all(threads.map((t) => once(t, 'message')));
  return async () => {
    Atomics.store(stop, 0, 1);
    await Promise.all(threads.map((t) => once(t, 'exit')));
  };
}
