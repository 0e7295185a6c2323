/**
 * What the main thread itself did in a measured window, to tell its own work from waiting for a
 * core: its on-CPU and run-queue-wait time (`/proc/thread-self/schedstat`, Linux), its longest
 * stretch between two 1 ms ticks less its waits for a core (its longest task at most), its
 * event-loop utilisation, and how many pool events it published (each one a message from a supervisor
 * thread, or the pool's own bookkeeping of a request).
 */

import diagnosticsChannel from 'node:diagnostics_channel';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
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
  /**
   * The longest gap between two ticks of a 1 ms timer on main, less the time main waited for a
   * core in it, ms (null without /proc). A task runs whole between two ticks, so this bounds
   * main's longest task from above, without the waits for a core that the delay figures include.
   */
  readonly longestRunMs: number | null;
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

/**
 * The longest gap between two ticks of a 1 ms timer on the calling thread, less the time the thread
 * waited for a core inside it (run-queue wait from a kept descriptor of
 * `/proc/thread-self/schedstat`, one pread a tick, exact once the thread runs again); null without
 * /proc. A task runs whole between two ticks, so this bounds the thread's longest task from above
 * (plus up to about 2 ms: the timer period and its 1 ms granularity).
 */
function watchLongestRun(): () => number | null {
  let fd: number;
  try {
    fd = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return () => null;
  }
  const buf = Buffer.alloc(128);
  const waitedNs = () => Number(buf.toString('latin1', 0, readSync(fd, buf, 0, buf.length, 0)).split(' ')[1]);
  let lastAt = performance.now();
  let lastWaited = waitedNs();
  let longest = 0;
  const tick = () => {
    const at = performance.now();
    const waited = waitedNs();
    longest = Math.max(longest, at - lastAt - (waited - lastWaited) / 1e6);
    lastAt = at;
    lastWaited = waited;
  };
  const timer = setInterval(tick, 1);
  return () => {
    clearInterval(timer);
    tick();
    closeSync(fd);
    return longest;
  };
}

/**
 * Start watching the main thread; the returned function ends the window and reports it. Without
 * `longestRun` no tick timer runs (its few us a tick stay out of the window's delay), and
 * `longestRunMs` is null.
 */
export function watchMainThread(longestRun = true): () => MainThreadCost {
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
  const longest = longestRun ? watchLongestRun() : () => null;
  const before = schedstat();
  return () => {
    const after = schedstat();
    const longestRunMs = longest();
    addGc(gc.takeRecords());
    gc.disconnect();
    const utilisation = performance.eventLoopUtilization(elu).utilization;
    for (const unsubscribe of subscribers) unsubscribe();
    const ms = (i: 0 | 1) => (before && after ? (after[i] - before[i]) / 1e6 : null);
    return { cpuMs: ms(0), runQueueWaitMs: ms(1), utilisation, events, gcMs, longestRunMs };
  };
}
