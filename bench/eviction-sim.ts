/**
 * Eviction policies against the bound, on the cache model alone: seeded traces are replayed
 * through `EvictionPolicy` with a fixed number of warm slots, one request at a time (no
 * reordering, no concurrency, no processes), and the warm hits compared with Belady's MIN on the
 * same trace. Keys cost the same to open and hold unless `--varied` gives each key its own open
 * time and memory (then the cost of the misses is reported too). Also prints the policy's own
 * time per decision at 10,000 distinct keys.
 *
 *   node dist/bench/eviction-sim.js [--requests N] [--slots K] [--varied]
 */
import { parseArgs } from 'node:util';
import { type EvictionCandidate, EvictionPolicy, type EvictionPolicyName } from '../src/pool/eviction.js';
import { seededRandom } from './lib/stats.js';
import { beladyHits, burstyTrace, shiftingTrace, zipfTrace } from './lib/traces.js';

interface KeyCost {
  readonly openMs: number;
  readonly memoryKib: number;
}

/** Warm hits and the open time of the misses of `policy` on `trace` with `slots` warm workers. */
function replay(
  trace: readonly number[],
  slots: number,
  policy: EvictionPolicyName,
  costs: (key: number) => KeyCost,
) {
  const memory = new Map<string, number>();
  const eviction = new EvictionPolicy(policy, (key) => memory.get(key) ?? 1);
  const warm = new Map<string, EvictionCandidate>();
  let hits = 0;
  let missMs = 0;
  trace.forEach((k, i) => {
    const key = `k${k}`;
    eviction.noteRequest(key);
    if (warm.has(key)) hits += 1;
    else {
      if (warm.size >= slots) {
        const [victim] = eviction.order([...warm.values()]);
        if (victim) warm.delete(victim.key);
      }
      const cost = costs(k);
      missMs += cost.openMs;
      memory.set(key, cost.memoryKib);
      eviction.noteOpen(key, cost.openMs);
    }
    warm.set(key, { key, lastUsedAt: i });
  });
  return { hits, missMs };
}

/** Microseconds per request of the policy's bookkeeping and choice with `keys` distinct keys. */
function decisionUs(keys: number, slots: number): number {
  const trace = zipfTrace(100_000, keys, 1, 3);
  const began = process.hrtime.bigint();
  replay(trace, slots, 'cost', () => ({ openMs: 1_000, memoryKib: 1 << 20 }));
  return Number(process.hrtime.bigint() - began) / 1_000 / trace.length;
}

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    slots: { type: 'string', default: '3' },
    varied: { type: 'boolean', default: false },
  },
});
const requests = Number(values.requests);
const slots = Number(values.slots);
const random = seededRandom(11);
const variedCosts = Array.from({ length: 1_000 }, () => ({
  openMs: 500 + Math.floor(random() * 20_000),
  memoryKib: (1 + Math.floor(random() * 6)) << 20,
}));
const costs = values.varied
  ? (k: number) => variedCosts[k % variedCosts.length] as KeyCost
  : () => ({ openMs: 1_000, memoryKib: 1 << 20 });

console.log(
  `eviction model: ${requests} requests, ${slots} warm slots, ${values.varied ? 'varied' : 'equal'} key costs`,
);
console.log(
  'trace                     | LRU hits | cost hits | Belady hits | cost/Belady misses | LRU, cost miss open s',
);
for (const [name, trace] of [
  ['Zipf s=0.8, 40 keys', zipfTrace(requests, 40, 0.8, 7)],
  ['Zipf s=1.0, 40 keys', zipfTrace(requests, 40, 1, 7)],
  ['Zipf s=1.2, 40 keys', zipfTrace(requests, 40, 1.2, 7)],
  ['Zipf s=1.0, 10 keys', zipfTrace(requests, 10, 1, 7)],
  ['bursty, 40 keys', burstyTrace(requests, 40, 1, 8, 7)],
  ['shifting Zipf s=1.0', shiftingTrace(requests, 40, 1, 7)],
] as const) {
  const lru = replay(trace, slots, 'lru', costs);
  const cost = replay(trace, slots, 'cost', costs);
  const bound = beladyHits(trace, slots);
  const ratio = (trace.length - cost.hits) / Math.max(1, trace.length - bound);
  console.log(
    `${name.padEnd(25)} | ${String(lru.hits).padStart(8)} | ${String(cost.hits).padStart(9)} | ${String(bound).padStart(11)} | ${ratio.toFixed(3).padStart(18)} | ${(lru.missMs / 1000).toFixed(0)}, ${(cost.missMs / 1000).toFixed(0)}`,
  );
}
for (const keys of [100, 10_000]) {
  console.log(
    `policy time per request, ${keys} keys, ${slots} slots: ${decisionUs(keys, slots).toFixed(2)} us`,
  );
}
