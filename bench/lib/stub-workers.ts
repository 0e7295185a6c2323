/**
 * Stub workers for replaying traces through the pool's admission code without processes: a start
 * function (the pool's `StartFn` seam) whose handles answer at once, each reporting a fixed
 * private memory, and sources that resolve to a launch spec nothing ever runs.
 */
import { Admission } from '../../src/pool/admission.js';
import { parsePoolOptions } from '../../src/pool/options.js';
import type { Source, StartFn } from '../../src/pool/worker-opens.js';
import type { GenerationInfo, MemorySample, ShutdownReport } from '../../src/protocol/port-messages.js';
import type { ResolvedWorker } from '../../src/protocol/worker-spec.js';

const LAUNCH = {
  env: {},
  startupTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  requestIdleTimeoutMs: 0,
  shutdownTimeoutMs: 2_000,
  killWaitTimeoutMs: 5_000,
  maxFrameBytes: 1 << 20,
  stderrTailBytes: 64 * 1024,
  hardMemoryLimitKib: 0,
  memorySampleIntervalMs: 250,
};

/** A source for `key` that resolves to a spec no process is started for. */
export function stubSource(key: string): Source {
  const resolved: ResolvedWorker = {
    key,
    launch: { ...LAUNCH, command: 'stub', args: [key] },
    session: null,
    metadata: null,
  };
  return { sessionKey: () => key, resolve: async () => resolved };
}

/** One stub source per trace key number (`k<n>`), made on first use and reused after. */
export function stubSources(): (k: number) => Source {
  const sources = new Map<number, Source>();
  return (k) => {
    let s = sources.get(k);
    if (!s) {
      s = stubSource(`k${k}`);
      sources.set(k, s);
    }
    return s;
  };
}

const REPORT: ShutdownReport = {
  outcome: 'graceful',
  elapsedMs: 0,
  gracefulWaitMs: 0,
  killWaitMs: null,
  exit: null,
};

/**
 * A start function of stub workers that each report `privateKib` and an open of `openMs` (every
 * key the same, so measured noise does not rank keys); counts its starts.
 */
export function stubStart(privateKib: number, openMs = 1_000): { start: StartFn; starts: () => number } {
  let starts = 0;
  const info: GenerationInfo = {
    generation: 0,
    workerVersion: 'stub',
    protocolVersion: 10,
    pid: 0,
    spawnHandshakeMs: openMs,
  };
  const sample: MemorySample = {
    available: true,
    source: 'proc',
    processes: 1,
    rssKib: privateKib,
    rssAnonKib: privateKib,
    rssFileKib: 0,
    rssShmemKib: 0,
    hwmKib: privateKib,
    pssKib: null,
    privateKib,
    sampledAtMs: 0,
  };
  const start: StartFn = async () => {
    starts += 1;
    let closed = false;
    return {
      generation: 0,
      info,
      get unusable() {
        return closed;
      },
      get closed() {
        return closed;
      },
      onUnusable: () => {},
      onEvent: () => () => {},
      keepProcessAlive: () => {},
      request: () => Promise.reject(new Error('stub workers run no requests')),
      whenReady: () => Promise.resolve(),
      cancel: () => {},
      cycle: async () => info,
      sample: async () => sample,
      killNow: () => {},
      shutdown: async () => {
        closed = true;
        return REPORT;
      },
    };
  };
  return { start, starts: () => starts };
}

/** An admission over stub workers with pool `options` (system memory ignored). */
export function stubAdmission(options: Record<string, unknown>, privateKib: number) {
  const { start, starts } = stubStart(privateKib);
  const resolved = parsePoolOptions({ systemMemoryReserveKib: false, ...options });
  return { admission: new Admission(resolved, start), starts };
}
