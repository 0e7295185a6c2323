/**
 * Consumer thread for the event-loop-delay benchmark: reads a transferred row port at no more
 * than `rowsPerSecond`, so the stream is paced by credit and the cores are not saturated. Answers
 * each `{port, rowsPerSecond}` with what it read.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { consumeRowPort } from '../../src/index.js';

/** Rows read between two checks of the pace. */
const PACE_EVERY = 500;

/**
 * With `workerData.cpus` (the pool's `workerCpus`), the application keeps its consumer thread on
 * the pool's CPUs too, so main has the others to itself (Linux, util-linux `taskset`).
 */
const cpus = (workerData as { cpus?: readonly number[] } | undefined)?.cpus;
if (cpus) {
  const tid = readlinkSync('/proc/thread-self').split('/').pop() ?? '';
  execFileSync('taskset', ['-p', '-c', cpus.join(','), tid], { stdio: 'ignore' });
}

const parent = parentPort;
if (parent) {
  parent.on('message', async ({ port, rowsPerSecond }: { port: MessagePort; rowsPerSecond: number }) => {
    const consumer = consumeRowPort(port);
    const began = performance.now();
    let rows = 0;
    try {
      for await (const _ of consumer) {
        rows += 1;
        if (rows % PACE_EVERY !== 0) continue;
        const ahead = (rows / rowsPerSecond) * 1000 - (performance.now() - began);
        if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
      }
      await consumer.summary;
      parent.postMessage({ rows, ok: true, elapsedMs: performance.now() - began });
    } catch (error) {
      parent.postMessage({ rows, ok: false, error: String(error), elapsedMs: performance.now() - began });
    }
  });
}
