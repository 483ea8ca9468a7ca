import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../../shared/errors';
import { Converter, type ConvertOptions, convert, convertParquet } from '../../../../shared/formats/convert';
import { parseNumericCsv } from '../../../../shared/formats/csv';
import { parseLibSvm } from '../../../../shared/formats/libsvm';
import { writeParquetTable } from '../../../../shared/formats/parquet';
import { decodeRecordIO, recordFeatures, recordLabel } from '../../../../shared/formats/record-protobuf';

const encode = (text: string) => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const quarantineOf = (bytes: Uint8Array) =>
  decode(bytes)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { line?: number; row?: number; reason: string; record: unknown });

/** A numeric feature table: a label column and up to 5 feature columns, some values missing. */
const table = fc
  .record({
    width: fc.integer({ min: 1, max: 5 }),
    labelAt: fc.nat(),
    rows: fc.integer({ min: 0, max: 25 }),
  })
  .chain(({ width, labelAt, rows }) =>
    fc.record({
      names: fc.constant(Array.from({ length: width }, (_, i) => `f${i}`)),
      labelAt: fc.constant(labelAt % (width + 1)),
      labels: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: rows, maxLength: rows }),
      features: fc.array(
        fc.array(
          fc.option(
            fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => (v === 0 ? 0 : v)),
            { nil: null, freq: 5 },
          ),
          {
            minLength: width,
            maxLength: width,
          },
        ),
        { minLength: rows, maxLength: rows },
      ),
    }),
  );

type Table = { names: string[]; labelAt: number; labels: number[]; features: (number | null)[][] };

/** The table as CSV with a header, the label column inserted at `labelAt`. */
function tableCsv(t: Table): string {
  const header = [...t.names];
  header.splice(t.labelAt, 0, 'label');
  const lines = t.features.map((row, r) => {
    const cells = row.map((v) => (v === null ? '' : String(v)));
    cells.splice(t.labelAt, 0, String(t.labels[r]));
    return cells.join(',');
  });
  return [header.join(','), ...lines].join('\n');
}

function tableJsonLines(t: Table): string {
  return t.features
    .map((row, r) =>
      JSON.stringify({ label: t.labels[r], ...Object.fromEntries(t.names.map((n, j) => [n, row[j]])) }),
    )
    .join('\n');
}

function tableParquet(t: Table): Uint8Array {
  return writeParquetTable([
    { name: 'label', data: t.labels, type: 'DOUBLE' },
    ...t.names.map((name, j) => ({
      name,
      data: t.features.map((row) => row[j] ?? null),
      type: 'DOUBLE' as const,
    })),
  ]);
}

/** Reads a converted output back as [label, features with NaN for missing]. */
function readBack(output: Uint8Array, options: ConvertOptions, width: number): [number, number[]][] {
  if (options.to === 'csv') {
    const batch = parseNumericCsv(output, { columns: width + 1 });
    return Array.from({ length: batch.rows }, (_, r) => {
      const row = Array.from(batch.values.subarray(r * (width + 1), (r + 1) * (width + 1)));
      return [row[0]!, row.slice(1)];
    });
  }
  if (options.to === 'libsvm') {
    return parseLibSvm(output, { indexBase: 0 }).map((row) => {
      const dense: number[] = Array.from({ length: width }, () => Number.NaN);
      row.indices.forEach((index, k) => {
        dense[index] = row.values[k]!;
      });
      return [row.label, dense];
    });
  }
  return decodeRecordIO(output).map((record) => {
    const features = recordFeatures(record);
    let dense: number[];
    if (features.kind === 'dense') dense = Array.from(features.values);
    else {
      expect(features.size).toBe(width);
      dense = Array.from({ length: width }, () => Number.NaN);
      features.indices.forEach((index, k) => {
        dense[index] = features.values[k]!;
      });
    }
    return [recordLabel(record)!, dense];
  });
}

const outputs: Pick<ConvertOptions, 'to' | 'sparse'>[] = [
  { to: 'csv' },
  { to: 'libsvm' },
  { to: 'recordio-protobuf' },
  { to: 'recordio-protobuf', sparse: true },
];

describe('convert', () => {
  for (const out of outputs) {
    const name = `${out.to}${out.sparse ? ' (sparse)' : ''}`;
    it(`writes every row of a CSV, JSON Lines or Parquet table to ${name} and reads back to the same values`, async () => {
      await fc.assert(
        fc.asyncProperty(table, fc.constantFrom('csv', 'jsonl', 'parquet'), async (t, from) => {
          // Prepare
          const input =
            from === 'csv'
              ? encode(tableCsv(t))
              : from === 'jsonl'
                ? encode(tableJsonLines(t))
                : tableParquet(t);
          const options: ConvertOptions = { from, ...out };
          if (from === 'jsonl' && t.features.length === 0) return; // no line, no columns: covered below
          // Act
          const { output, result } = await convert(input, options);
          // Assess
          const float32 = out.to === 'recordio-protobuf';
          const expected = t.features.map((row, r): [number, number[]] => [
            t.labels[r]!,
            row.map((v) => (v === null ? Number.NaN : float32 ? Math.fround(v) : v)),
          ]);
          expect(result).toMatchObject({
            rows: t.features.length,
            quarantined: 0,
            label: 'label',
            features: t.names,
          });
          expect(readBack(output, options, t.names.length)).toEqual(expected);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('gives the same output whatever the chunk boundaries of a CSV input', async () => {
    await fc.assert(
      fc.asyncProperty(table, fc.array(fc.nat(), { maxLength: 5 }), async (t, cuts) => {
        // Prepare
        const missingLabel = Array.from({ length: t.names.length + 1 }, () => 'nan').join(',');
        const bytes = encode(`${tableCsv(t)}\n${missingLabel}\n`);
        const whole = await convert(bytes, { from: 'csv', to: 'recordio-protobuf' });
        const converter = new Converter({ from: 'csv', to: 'recordio-protobuf' });
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        // Act
        const parts: Uint8Array[] = [];
        let at = 0;
        for (const p of [...points, bytes.length]) {
          parts.push(converter.push(bytes.subarray(at, p)).output);
          at = p;
        }
        const last = await converter.end();
        parts.push(last.output);
        // Assess
        expect(Buffer.concat(parts).toString('hex')).toBe(Buffer.from(whole.output).toString('hex'));
        expect(last.result.quarantined).toBe(1);
        expect(whole.result.quarantined).toBe(1);
      }),
      { numRuns: 60 },
    );
  });

  it('quarantines bad CSV rows with their line, column and reason, and converts the rest', async () => {
    // Prepare
    const csv = 'id,age,label,income\nA,30,1,1000\nB,41,0,2\nC,abc,0,2\nD,40,,5\nE,50,1\n"F",,0,7\n';
    // Act
    const { output, quarantine, result } = await convert(encode(csv), { from: 'csv', to: 'csv' });
    // Assess
    expect(decode(output)).toBe('1,30,1000\n0,41,2\n0,,7\n');
    expect(quarantineOf(quarantine)).toEqual([
      { line: 4, reason: "line 4: column 'age': expected a number, got 'abc'", record: 'C,abc,0,2' },
      { line: 5, reason: "line 5: column 'label': the label is missing", record: 'D,40,,5' },
      { line: 6, reason: 'line 6: expected 4 fields, found 3', record: 'E,50,1' },
    ]);
    expect(result).toMatchObject({ rows: 3, quarantined: 3, features: ['age', 'income'] });
  });

  it('quarantines JSON Lines that are not objects or hold a non-number, in line order', async () => {
    // Prepare
    const jsonl =
      '{"label":1,"a":2,"s":"x"}\nnot json\n{"label":0,"a":"zz","s":"y"}\n[1]\n{"label":1,"a":true}\n';
    // Act
    const { output, quarantine, result } = await convert(encode(jsonl), { from: 'jsonl', to: 'libsvm' });
    // Assess
    expect(decode(output)).toBe('1 0:2\n1 0:1\n');
    expect(quarantineOf(quarantine).map((q) => q.reason)).toEqual([
      expect.stringMatching(/^line 2: not valid JSON/),
      "line 3: column 'a': expected a number, got 'zz'",
      'line 4: expected a JSON object, got an array',
    ]);
    expect(result.features).toEqual(['a']);
  });

  it('quarantines Parquet rows with a missing label, naming the row', async () => {
    // Prepare
    const parquet = writeParquetTable([
      { name: 'label', data: [1, null, 0], type: 'DOUBLE' },
      { name: 'x', data: [1.5, 2, 3], type: 'FLOAT' },
      { name: 'name', data: ['a', 'b', 'c'], type: 'STRING' },
    ]);
    // Act
    const { output, quarantine, result } = await convert(parquet, { from: 'parquet', to: 'csv' });
    // Assess
    expect(decode(output)).toBe('1,1.5\n0,3\n');
    expect(quarantineOf(quarantine)).toEqual([
      { row: 2, reason: "row 2: column 'label': the label is missing", record: { label: null, x: 2 } },
    ]);
    expect(result.features).toEqual(['x']);
  });

  it('reads a CSV with a byte order mark, CRLF line ends, a quoted header and padded numbers', async () => {
    // Prepare
    const csv = '\ufeff"label","x y",z\r\n1," 2.5 ",3\r\n0,4,"5"\r\n';
    // Act
    const { output, result } = await convert(encode(csv), { from: 'csv', to: 'libsvm' });
    // Assess
    expect(decode(output)).toBe('1 0:2.5 1:3\n0 0:4 1:5\n');
    expect(result.features).toEqual(['x y', 'z']);
  });

  it('writes features only, in the order asked, without labels', async () => {
    // Prepare
    const csv = 'a,b,label,c\n1,2,1,3\n4,5,0,6\n';
    // Act
    const { output, result } = await convert(encode(csv), {
      from: 'csv',
      to: 'csv',
      labels: false,
      features: ['c', 'a'],
    });
    // Assess
    expect(decode(output)).toBe('3,1\n6,4\n');
    expect(result.label).toBeUndefined();
  });

  it('uses the named label column and skips non-numeric columns by default', async () => {
    // Prepare
    const csv = 'name,y,x1,x2\nann,1,0.5,0\nbob,0,,2\n';
    // Act
    const { output, result } = await convert(encode(csv), { from: 'csv', to: 'libsvm', label: 'y' });
    // Assess
    expect(decode(output)).toBe('1 0:0.5 1:0\n0 1:2\n');
    expect(result.features).toEqual(['x1', 'x2']);
  });

  it('reads Parquet row group by row group from an AsyncBuffer and hands out each group', async () => {
    // Prepare
    const parquet = writeParquetTable(
      [
        { name: 'label', data: [0, 1, 0, 1, 1], type: 'DOUBLE' },
        { name: 'x', data: [1, 2, 3, 4, 5], type: 'INT32' },
      ],
      { rowGroupSize: 2 },
    );
    const file = { byteLength: parquet.length, slice: (s: number, e?: number) => parquet.slice(s, e).buffer };
    const chunks: string[] = [];
    // Act
    const result = await convertParquet(file, { to: 'csv' }, ({ output }) => {
      if (output.length > 0) chunks.push(decode(output));
    });
    // Assess
    expect(chunks).toEqual(['0,1\n1,2\n', '0,3\n1,4\n', '1,5\n']);
    expect(result.rows).toBe(5);
  });

  it('refuses a missing label column, an unknown feature, a label used as a feature and an empty input', async () => {
    // Prepare
    const csv = encode('a,b\n1,2\n');
    // Act / Assess
    await expect(convert(csv, { from: 'csv', to: 'csv' })).rejects.toThrow(
      /no label column 'label'.*columns: a, b/,
    );
    await expect(convert(csv, { from: 'csv', to: 'csv', label: 'a', features: ['z'] })).rejects.toThrow(
      /no feature column 'z'/,
    );
    await expect(convert(csv, { from: 'csv', to: 'csv', label: 'a', features: ['a'] })).rejects.toThrow(
      /both the label and a feature/,
    );
    await expect(convert(new Uint8Array(0), { from: 'csv', to: 'csv' })).rejects.toThrow(ConversionError);
    await expect(convert(encode('\n'), { from: 'jsonl', to: 'csv' })).rejects.toThrow(/is empty/);
  });

  it('refuses sparse output for a text format', () => {
    // Act / Assess
    expect(() => new Converter({ from: 'csv', to: 'libsvm', sparse: true })).toThrow(
      /RecordIO-protobuf option/,
    );
  });
});
