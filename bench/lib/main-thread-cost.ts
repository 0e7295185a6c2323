/**
 * What the main thread itself did in a measured window, to tell its own work from waiting for a
 * core: its on-CPU and run-queue-wait time (`/proc/thread-self/schedstat`, Linux), its event-loop
 * utilisation, and how many pool events it published (each one a message from a supervisor
 * thread, or the pool's own bookkeeping of a request).
 */

import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { channelName, POOL_EVENT_NAMES } from '../../src/index.js';

export interface MainThreadCost {
  /** Main thread on-CPU time, ms (null without /proc). */
  readonly cpuMs: number | null;
  /** Time the main thread was runnable but waited for a core, ms (null without /proc). */
  readonly runQueueWaitMs: number | null;
  /** Event-loop utilisation over the window, 0..1. */
  readonly utilisation: number;
  /** Pool events published on main, by name. */
  readonly events: Record<string, number>;
  /** Time main's heap spent in garbage collection pauses (`gc` performance entries), ms. */
  readonly gcMs: number;
}

/** On-CPU and run-queue-wait nanoseconds of the calling thread, or null without /proc. */
function schedstat(): [number, number] | null {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(cpu), Number(wait)];
  } catch {
    return null;
  }
}

/** Start watching the main thread; the returned function ends the window and reports it. */
export function watchMainThread(): () => MainThreadCost {
  const events: Record<string, number> = {};
  const subscribers = POOL_EVENT_NAMES.map((name) => {
    const onEvent = () => {
      events[name] = (events[name] ?? 0) + 1;
    };
    diagnosticsChannel.subscribe(channelName(name), onEvent);
    return () => diagnosticsChannel.unsubscribe(channelName(name), onEvent);
  });
  let gcMs = 0;
  const addGc = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) gcMs += entry.duration;
  };
  const gc = new PerformanceObserver((list) => addGc(list.getEntries()));
  gc.observe({ entryTypes: ['gc'] });
  const elu = performance.eventLoopUtilization();
  const before = schedstat();
  return () => {
    const after = schedstat();
    addGc(gc.takeRecords());
    gc.disconnect();
    const utilisation = performance.eventLoopUtilization(elu).utilization;
    for (const unsubscribe of subscribers) unsubscribe();
    const ms = (i: 0 | 1) => (before && after ? (after[i] - before[i]) / 1e6 : null);
    return { cpuMs: ms(0), runQueueWaitMs: ms(1), utilisation, events, gcMs };
  };
}
