/**
 * Run code on a virtual clock: `performance.now()`, `setTimeout` and `setInterval` are replaced
 * while `run` is under way, and time jumps to the next timer whenever nothing else is left to do
 * (every promise settled, no immediate pending). A replay of timer-only work (stub opens, lease
 * holds) then takes no wall time and orders its events the same way on every run, whatever the
 * machine's load: scheduling decisions are measured without the noise of a shared machine.
 *
 * Only for code that waits on nothing but timers and promises; real I/O would stall the clock.
 */

interface Timer {
  at: number;
  readonly seq: number;
  readonly fn: (...args: unknown[]) => void;
  readonly args: unknown[];
  readonly every: number | null;
}

/** What `setTimeout` returns here: enough of Node's `Timeout` for the code under test. */
class VirtualTimeout {
  constructor(readonly id: number) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Run `run` on a virtual clock starting at the real `performance.now()`; restores the real clock after. */
export async function inVirtualTime<T>(run: () => Promise<T>): Promise<T> {
  const real = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
    now: performance.now,
  };
  let clock = performance.now();
  let seq = 0;
  const timers = new Map<number, Timer>();
  const add = (fn: (...args: unknown[]) => void, ms: number | undefined, args: unknown[], every: boolean) => {
    seq += 1;
    const delay = Math.max(1, Number(ms) || 0);
    timers.set(seq, { at: clock + delay, seq, fn, args, every: every ? delay : null });
    return new VirtualTimeout(seq);
  };
  const clear = (handle: unknown) => {
    if (handle instanceof VirtualTimeout) timers.delete(handle.id);
    else if (typeof handle === 'number') timers.delete(handle);
  };
  const g = globalThis as Record<string, unknown>;
  g.setTimeout = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    add(fn, ms, args, false);
  g.setInterval = (fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    add(fn, ms, args, true);
  g.clearTimeout = clear;
  g.clearInterval = clear;
  performance.now = () => clock;
  let finished = false;
  const result = run().finally(() => {
    finished = true;
  });
  try {
    while (!finished) {
      await turn();
      if (finished) break;
      let next: Timer | null = null;
      for (const t of timers.values())
        if (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq)) next = t;
      if (!next) throw new Error('virtual time stalled: nothing pending but real I/O');
      clock = Math.max(clock, next.at);
      if (next.every === null) timers.delete(next.seq);
      else next.at += next.every;
      next.fn(...next.args);
    }
    return await result;
  } finally {
    Object.assign(globalThis, {
      setTimeout: real.setTimeout,
      clearTimeout: real.clearTimeout,
      setInterval: real.setInterval,
      clearInterval: real.clearInterval,
    });
    performance.now = real.now;
  }
}
