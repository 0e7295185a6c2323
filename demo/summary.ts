/**
 * The demo's closing summary as text tables: rows per stream and per command, the run's totals,
 * admission and restarts, the recovered failures, peak memory by measure, and the pool snapshot.
 * Every number printed here is also a named field of the `--json` result.
 */

import { grouped } from './progress.js';
import type { DemoResult } from './result.js';

/** Left-aligned first column, right-aligned others. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

const mib = (kib: number | null) => (kib === null ? 'unavailable' : `${(kib / 1024).toFixed(1)} MiB`);
const ms = (n: number | null) => (n === null ? '-' : `${grouped(n)} ms`);

/** The summary lines. */
export function formatSummary(r: DemoResult): string[] {
  const out: string[] = [''];
  const total = r.rows.total;
  out.push('Rows per stream (committed after each stream succeeded)');
  out.push(
    ...table(
      ['stream', 'rows', 'share'],
      [
        ...Object.entries(r.rows.perStream)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([s, n]) => [s, grouped(n), `${((100 * n) / Math.max(1, total)).toFixed(1)}%`]),
        ['total', grouped(total), '100.0%'],
      ],
    ),
  );
  out.push('', 'Per command');
  out.push(
    ...table(
      ['command', 'streams', 'rows'],
      Object.entries(r.rows.perCommand).map(([c, v]) => [c, grouped(v.streams), grouped(v.rows)]),
    ),
  );
  out.push('', 'Run');
  out.push(
    ...table(
      ['measure', 'value'],
      [
        ['elapsed', ms(r.elapsedMs)],
        ['rows/s (committed rows / elapsed)', grouped(r.rowsPerSecond)],
        ['rows/s while streaming, per worker', grouped(r.streamRowsPerSecond)],
        ['batches covered', `${r.coverage.batches}/${r.plan.batchesRun}`],
        ['modules covered', `${grouped(r.coverage.modules)}/${grouped(r.plan.modules)}`],
        ['planning', ms(r.plan.planMs)],
        ['streams succeeded / failed', `${r.streams.succeeded} / ${r.streams.failed}`],
        ['diagnostics', grouped(r.diagnostics.total)],
        ['chunk progress events', grouped(r.progressEvents)],
        [
          'rows received / discarded as tentative',
          `${grouped(r.rows.received)} / ${grouped(r.rows.tentativeDiscarded)}`,
        ],
      ],
    ),
  );
  out.push('', 'Admission and restarts');
  out.push(
    ...table(
      ['measure', 'value'],
      [
        ['leases acquired', grouped(r.queueWaits.acquires)],
        [
          'acquire wait mean / max (incl. spawn and import)',
          `${ms(r.queueWaits.meanMs)} / ${ms(r.queueWaits.maxMs)}`,
        ],
        ['pool queue wait p50 / p99', `${ms(r.queueWaits.poolP50Ms)} / ${ms(r.queueWaits.poolP99Ms)}`],
        [
          'key hits / misses / evictions',
          `${r.snapshot.keyHits} / ${r.snapshot.keyMisses} / ${r.snapshot.evictions}`,
        ],
        [
          'restarts (timeout / cancelled / crash / policy)',
          `${r.restarts.total} (${r.restarts.timeout} / ${r.restarts.cancelled} / ${r.restarts.crash} / ${r.restarts.policy})`,
        ],
      ],
    ),
  );
  if (r.recoveries.length > 0) {
    out.push('', 'Failures injected and recovered from');
    out.push(
      ...table(
        ['failure', 'batch', 'command', 'error code', 'rows before', 'lease', 'recovered in'],
        r.recoveries.map((x) => [
          x.kind,
          String(x.batch + 1),
          x.command,
          x.code,
          String(x.rowsBeforeFailure),
          x.leaseInvalidated ? 'invalidated' : 'valid',
          x.recoveredMs === null ? 'not recovered' : ms(x.recoveredMs),
        ]),
      ),
    );
  }
  const m = r.memory;
  out.push('', `Peak memory (children measured by ${m.source}; ${m.samples} samples)`);
  out.push(
    ...table(
      ['measure', 'peak'],
      [
        ['children private (RssAnon+RssShmem), sum', mib(m.childrenPrivateSumKib)],
        ['children RSS, sum (shared pages counted per child)', mib(m.childrenRssSumKib)],
        ['children shared file pages, one copy', mib(m.childrenSharedFileKib)],
        ['children PSS, sum', mib(m.childrenPssSumKib)],
        ['admission total (private + one shared copy)', mib(m.admissionTotalKib)],
        ...m.perSlotPeakPrivateKib.map((k, i) => [`worker slot ${i + 1} private`, mib(k)]),
        ['this process RSS', mib(m.parentRssKib)],
      ],
    ),
  );
  if (r.failures.length > 0) {
    out.push('', 'Unexpected failures');
    out.push(...r.failures.map((f) => `  batch ${f.batch + 1} ${f.command}: ${f.code}: ${f.message}`));
  }
  out.push('', 'Pool snapshot');
  const flat = Object.entries(r.snapshot).filter(([, v]) => v === null || typeof v !== 'object');
  const cells = flat.map(([k, v]) => `${k}=${typeof v === 'number' ? Math.round(v * 10) / 10 : String(v)}`);
  for (let i = 0; i < cells.length; i += 4) out.push(`  ${cells.slice(i, i + 4).join('  ')}`);
  out.push(
    `  memory: ${Object.entries(r.snapshot.memory)
      .map(([k, v]) => `${k}=${v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join('  ')}`,
  );
  out.push(
    '',
    `${r.ok ? 'ok' : 'FAILED'}: ${grouped(total)} rows from ${r.coverage.batches} batches (${grouped(r.coverage.modules)} modules) on ${r.workers} workers in ${ms(r.elapsedMs)}`,
  );
  return out;
}
