/** Small statistics and number formatting shared by the benchmarks. */

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

/** Nearest-rank percentile; NaN for an empty list. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Median, p90, p99, mean, min and max of a list of milliseconds. */
export function latency(ms: readonly number[]) {
  return {
    n: ms.length,
    medianMs: median(ms),
    p90Ms: percentile(ms, 90),
    p99Ms: percentile(ms, 99),
    meanMs: mean(ms),
    minMs: ms.length === 0 ? Number.NaN : Math.min(...ms),
    maxMs: ms.length === 0 ? Number.NaN : Math.max(...ms),
  };
}
export type Latency = ReturnType<typeof latency>;

export const mib = (bytes: number): number => bytes / (1024 * 1024);
export const fmt = (n: number | null | undefined, digits = 2): string =>
  n === null || n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(digits);
export const fmtRate = (n: number): string =>
  Number.isNaN(n) ? 'n/a' : n >= 1e6 ? `${fmt(n / 1e6)} M` : n >= 1e3 ? `${fmt(n / 1e3, 0)} k` : fmt(n, 0);
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtLatency = (l: Latency, digits = 2): string =>
  `median ${fmt(l.medianMs, digits)} ms  p90 ${fmt(l.p90Ms, digits)} ms  (n=${l.n})`;

export { seededRandom } from '../../fixtures/seeded-random.js';
