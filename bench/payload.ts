/**
 * Payload formats (tinybench): encode and decode throughput and bytes per row of each row format
 * in `lib/formats.ts`, for 8,192 small rows (~100-byte payloads) and 512 large rows (~4 KiB),
 * with Lean-style Unicode. Single thread, no I/O: what the format itself costs.
 *
 *   node dist/bench/payload.js [--quick | --smoke] [--out DIR]
 */
import { deepStrictEqual } from 'node:assert';
import { Bench } from 'tinybench';
import { type EncodeInput, type PayloadFormat, payloadFormats } from './lib/formats.js';
import { BenchReport, benchArgs, runMain } from './lib/report.js';
import { type BenchRow, makeRows, payloadBytesPerRow, ROW_SETS, type RowSize } from './lib/rows.js';
import { fmt, fmtRate } from './lib/stats.js';

export interface FormatResult {
  readonly format: string;
  readonly describe: string;
  readonly rowSet: RowSize;
  readonly rows: number;
  readonly bytesPerRow: number;
  readonly encodeRowsPerSec: number;
  readonly decodeRowsPerSec: number;
  /** Rows per second for encode followed by decode. */
  readonly roundTripRowsPerSec: number;
  /** Encode followed by decode from each op's fastest sample: the least disturbed by other load. */
  readonly bestRoundTripRowsPerSec: number;
  readonly encodeRme: number;
  readonly decodeRme: number;
}

/** Decoded rows must carry the same data as the input, whatever their shape. */
function verify(format: PayloadFormat, rows: readonly BenchRow[], decoded: unknown[]): void {
  if (decoded.length !== rows.length) throw new Error(`${format.name}: ${decoded.length} rows decoded`);
  for (const k of [0, rows.length - 1]) {
    const d = decoded[k] as { stream: string; sequence: number; payload?: unknown; payloadText?: string };
    const payload = d.payload ?? JSON.parse(d.payloadText as string);
    deepStrictEqual({ stream: d.stream, sequence: d.sequence, payload }, rows[k], `${format.name} row ${k}`);
  }
}

async function measureSet(size: RowSize, rowCount: number, timeMs: number): Promise<FormatResult[]> {
  const rows = makeRows(size, rowCount);
  const input: EncodeInput = { rows, payloadTexts: rows.map((r) => JSON.stringify(r.payload)) };
  const formats = payloadFormats();
  const encoded = new Map<string, Buffer>();
  for (const f of formats) {
    const buf = f.encode(input);
    verify(f, rows, f.decode(buf));
    encoded.set(f.name, buf);
  }
  let sink = 0;
  const bench = new Bench({
    time: timeMs,
    iterations: 5,
    warmupTime: Math.min(100, timeMs / 2),
    warmupIterations: timeMs < 1000 ? 2 : 16,
  });
  for (const f of formats) {
    bench.add(`${f.name}/encode`, () => {
      sink += f.encode(input).length;
    });
    const buf = encoded.get(f.name) as Buffer;
    bench.add(`${f.name}/decode`, () => {
      sink += f.decode(buf).length;
    });
  }
  await bench.run();
  if (sink === 0) throw new Error('nothing was encoded');
  const perOp = (name: string) => {
    const task = bench.getTask(name);
    const r = task?.result;
    if (!r || !('latency' in r)) throw new Error(`${name}: ${r?.state ?? 'no result'}`);
    return { ms: r.latency.p50 ?? r.latency.mean, minMs: r.latency.min, rme: r.latency.rme };
  };
  return formats.map((f) => {
    const enc = perOp(`${f.name}/encode`);
    const dec = perOp(`${f.name}/decode`);
    return {
      format: f.name,
      describe: f.describe,
      rowSet: size,
      rows: rows.length,
      bytesPerRow: (encoded.get(f.name) as Buffer).length / rows.length,
      encodeRowsPerSec: rows.length / (enc.ms / 1000),
      decodeRowsPerSec: rows.length / (dec.ms / 1000),
      roundTripRowsPerSec: rows.length / ((enc.ms + dec.ms) / 1000),
      bestRoundTripRowsPerSec: rows.length / ((enc.minMs + dec.minMs) / 1000),
      encodeRme: enc.rme,
      decodeRme: dec.rme,
    };
  });
}

async function main(): Promise<void> {
  const args = benchArgs();
  const report = new BenchReport('payload', import.meta.filename, args);
  const timeMs = args.smoke ? 10 : args.quick ? 40 : 1000;
  const counts: Record<RowSize, number> = args.smoke ? { small: 512, large: 64 } : { ...ROW_SETS };
  const payloadBytes = {
    small: payloadBytesPerRow(makeRows('small', 64)),
    large: payloadBytesPerRow(makeRows('large', 64)),
  };
  report.header(
    'row payload formats (tinybench, one thread, no I/O)',
    `${counts.small.toLocaleString('en-US')} small rows (~${Math.round(payloadBytes.small)} B payload) and ` +
      `${counts.large} large rows (~${Math.round(payloadBytes.large)} B payload), Lean-style Unicode; ` +
      `tinybench time ${timeMs} ms per task; each op encodes or decodes the whole set`,
  );
  const results: FormatResult[] = [];
  for (const size of ['small', 'large'] as const) {
    const set = await measureSet(size, counts[size], timeMs);
    results.push(...set);
    const base = set.find((r) => r.format === 'json-tree') as FormatResult;
    report.print(`${size} rows (${counts[size].toLocaleString('en-US')}):`);
    report.table([
      [
        'format',
        'B/row',
        'encode rows/s',
        'decode rows/s',
        'enc+dec rows/s',
        'vs json-tree',
        'best enc+dec',
        'best vs json-tree',
        'rme enc/dec %',
      ],
      ...set.map((r) => [
        r.format,
        fmt(r.bytesPerRow, 1),
        fmtRate(r.encodeRowsPerSec),
        fmtRate(r.decodeRowsPerSec),
        fmtRate(r.roundTripRowsPerSec),
        `${fmt(r.roundTripRowsPerSec / base.roundTripRowsPerSec)}x`,
        fmtRate(r.bestRoundTripRowsPerSec),
        `${fmt(r.bestRoundTripRowsPerSec / base.bestRoundTripRowsPerSec)}x`,
        `${fmt(r.encodeRme, 1)}/${fmt(r.decodeRme, 1)}`,
      ]),
    ]);
    report.print();
  }
  await report.finish({
    workload: {
      rowSets: counts,
      payloadBytesPerRow: payloadBytes,
      tinybenchTimeMs: timeMs,
      statistic: 'p50 latency per op',
    },
    memoryMeasure: 'unavailable (not measured: a single-thread codec benchmark)',
    results: { formats: results },
    caveats: [
      'Bytes per row include the 4-byte length prefix of each frame (batched frames share one prefix per batch).',
      'raw-json decodes the envelope and keeps the payload as text; raw-json+parse also parses every payload, which is what a consumer that reads every row pays.',
      'Encoders start from row objects except raw-json and binary-envelope, which start from payload JSON text as a producer that already emits JSON holds it.',
      'Rows/s use each op\'s median sample; "best" uses its fastest sample, which other load on the machine disturbs least. On a loaded machine compare the best columns.',
      'The child protocol (v10) fixes JSON frames on the wire; these figures decide only what the library could do between its own threads, and whether the wire format would be worth changing.',
    ],
  });
}

runMain(main);
