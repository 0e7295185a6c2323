/**
 * The delay probe's process: an idle event loop that records its own delay
 * (`monitorEventLoopDelay` at 1 ms) between a `begin` and an `end` message from its parent, and
 * answers `end` with the window's p99 and max. Idle otherwise: it is the machine's floor, felt by
 * a process that shares nothing with the pool.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const ms = (ns: number) => ns / 1e6;
let histogram = monitorEventLoopDelay({ resolution: 1 });

process.on('message', (message: 'begin' | 'end') => {
  if (message === 'begin') {
    histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    process.send?.('begun');
    return;
  }
  histogram.disable();
  process.send?.({ p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) });
});
process.on('disconnect', () => process.exit(0));
