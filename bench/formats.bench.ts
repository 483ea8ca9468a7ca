/**
 * Data-format throughput, each against its baseline in the same process (`npm run bench -- formats`):
 * - CSV parse rows/s (20 numeric columns): NumericCsvReader vs csv-parse (goal ≥ 10× and ≥ 1.2 M rows/s);
 * - RecordIO dense float32 encode records/s: fixed-schema encoder vs protobufjs (goal ≥ 4×);
 * - CSV → RecordIO-protobuf end to end, MB/s of input (goal ≥ 150 MB/s);
 * - CSV → LibSVM end to end, MB/s of input.
 * Best of several runs (the machine is shared, so the best run is the least disturbed one).
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import protobuf from 'protobufjs';
import { ByteSink } from '../shared/formats/bytes';
import { Converter, type OutputFormat } from '../shared/formats/convert';
import { NumericCsvReader } from '../shared/formats/csv';
import { writeDenseFloat32Record } from '../shared/formats/record-protobuf';
import { encodeRecordIOFrames } from '../shared/formats/recordio';

const COLUMNS = 20;

/** Deterministic pseudo-random numbers (the figures must not depend on a seed). */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** A numeric feature table as CSV: `label,f0..f19`, values like a real feature job writes. */
function makeCsv(rows: number, header: boolean): Uint8Array {
  const next = random(42);
  const lines: string[] = header
    ? [['label', ...Array.from({ length: COLUMNS }, (_, i) => `f${i}`)].join(',')]
    : [];
  for (let r = 0; r < rows; r++) {
    const cells = [String(next() < 0.5 ? 0 : 1)];
    for (let c = 0; c < COLUMNS; c++) {
      const v = next();
      cells.push(c % 5 === 0 ? String(Math.floor(v * 1000)) : (v * 200 - 100).toFixed(6));
    }
    lines.push(cells.join(','));
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

function best(runs: number, fn: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest / 1000;
}

async function bestAsync(runs: number, fn: () => Promise<void>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    fastest = Math.min(fastest, performance.now() - start);
  }
  return fastest / 1000;
}

const round = (x: number, digits = 0) => Number(x.toFixed(digits));

function csvParse(): Record<string, unknown> {
  const rows = 200_000;
  const baselineRows = 50_000;
  const bytes = makeCsv(rows, false);
  const baselineBytes = makeCsv(baselineRows, false);
  const ours = best(5, () => {
    const reader = new NumericCsvReader();
    let n = 0;
    for (let at = 0; at < bytes.length; at += 1 << 20)
      n += reader.push(bytes.subarray(at, at + (1 << 20))).rows;
    n += reader.end().rows;
    if (n !== rows) throw new Error(`parsed ${n} rows, expected ${rows}`);
  });
  const theirs = best(3, () => {
    const records = parse(baselineBytes, { cast: true }) as unknown[];
    if (records.length !== baselineRows) throw new Error('csv-parse row count');
  });
  const oursRate = rows / ours;
  const theirsRate = baselineRows / theirs;
  return {
    columns: COLUMNS,
    rowsPerSecond: round(oursRate),
    csvParseRowsPerSecond: round(theirsRate),
    csvParseOptions: '{ cast: true } (numbers, as the fast path returns)',
    ratio: round(oursRate / theirsRate, 1),
    goal: { ratio: 10, rowsPerSecond: 1_200_000 },
    met: oursRate / theirsRate >= 10 && oursRate >= 1_200_000,
  };
}

function recordIOEncode(): Record<string, unknown> {
  const records = 100_000;
  const next = random(7);
  const features = Float64Array.from({ length: records * COLUMNS }, () => next() * 200 - 100);
  const labels = Float64Array.from({ length: records }, () => (next() < 0.5 ? 0 : 1));
  const protoPath = fileURLToPath(new URL('../test/fixtures/formats/record.proto', import.meta.url));
  const Record = protobuf
    .parse(readFileSync(protoPath, 'utf8'), { keepCase: true })
    .root.lookupType('aialgs.data.Record');
  let oursBytes = 0;
  const ours = best(5, () => {
    const sink = new ByteSink(1 << 22);
    for (let r = 0; r < records; r++)
      writeDenseFloat32Record(sink, features, r * COLUMNS, COLUMNS, labels[r]);
    oursBytes = sink.take().length;
  });
  const baselineRecords = 30_000;
  let theirsBytes = 0;
  const theirs = best(3, () => {
    const payloads: Uint8Array[] = [];
    for (let r = 0; r < baselineRecords; r++) {
      const values = Array.from(features.subarray(r * COLUMNS, (r + 1) * COLUMNS));
      payloads.push(
        Record.encode({
          features: { values: { float32_tensor: { values } } },
          label: { values: { float32_tensor: { values: [labels[r]] } } },
        }).finish(),
      );
    }
    theirsBytes = encodeRecordIOFrames(payloads).length;
  });
  if (oursBytes / records !== theirsBytes / baselineRecords)
    throw new Error('the two encoders disagree on sizes');
  const oursRate = records / ours;
  const theirsRate = baselineRecords / theirs;
  return {
    columns: COLUMNS,
    recordsPerSecond: round(oursRate),
    protobufjsRecordsPerSecond: round(theirsRate),
    ratio: round(oursRate / theirsRate, 1),
    goal: { ratio: 4 },
    met: oursRate / theirsRate >= 4,
  };
}

async function endToEnd(to: OutputFormat, goalMBps: number | undefined): Promise<Record<string, unknown>> {
  const rows = 200_000;
  const bytes = makeCsv(rows, true);
  let written = 0;
  const seconds = await bestAsync(5, async () => {
    const converter = new Converter({ from: 'csv', to });
    written = 0;
    for (let at = 0; at < bytes.length; at += 1 << 20)
      written += converter.push(bytes.subarray(at, at + (1 << 20))).output.length;
    const last = await converter.end();
    written += last.output.length;
    if (last.result.rows !== rows) throw new Error(`converted ${last.result.rows} rows, expected ${rows}`);
  });
  const mbps = bytes.length / 1e6 / seconds;
  return {
    inputMB: round(bytes.length / 1e6, 1),
    outputMB: round(written / 1e6, 1),
    rows,
    MBps: round(mbps, 1),
    rowsPerSecond: round(rows / seconds),
    ...(goalMBps === undefined ? {} : { goal: { MBps: goalMBps }, met: mbps >= goalMBps }),
  };
}

export default async () => ({
  // The machine is shared: the 1-minute load average says how disturbed these figures are.
  machine: { cpus: cpus().length, loadAverageBefore: round(loadavg()[0]!, 1) },
  csvParse: csvParse(),
  recordIODenseFloat32Encode: recordIOEncode(),
  csvToRecordIO: await endToEnd('recordio-protobuf', 150),
  csvToLibSvm: await endToEnd('libsvm', undefined),
  csvToCsv: await endToEnd('csv', undefined),
  loadAverageAfter: round(loadavg()[0]!, 1),
});
