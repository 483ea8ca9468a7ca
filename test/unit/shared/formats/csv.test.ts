import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvFormatError } from '../../../../shared/errors';
import { ByteSink } from '../../../../shared/formats/bytes';
import {
  CsvReader,
  formatCsvRecord,
  NumericCsvReader,
  parseCsv,
  parseNumericCsv,
  writeCsvNumbers,
} from '../../../../shared/formats/csv';

const encode = (text: string) => new TextEncoder().encode(text);

/** Splits bytes at the given cut points (any order, any duplicates). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    chunks.push(bytes.subarray(at, p));
    at = p;
  }
  chunks.push(bytes.subarray(at));
  return chunks;
}

const fieldText = fc.string({
  unit: fc.constantFrom('a', 'b', 'Z', '1', '.', ' ', ',', '"', '\n', '\r\n', 'é', '日', '\t', ';'),
  maxLength: 8,
});

/** A table and its RFC 4180 text (quotes where needed, sometimes where not). */
const csvDocument = fc
  .record({
    rows: fc.array(
      fc.array(fc.record({ text: fieldText, quote: fc.boolean() }), { minLength: 1, maxLength: 6 }),
      {
        minLength: 1,
        maxLength: 12,
      },
    ),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
  })
  .map(({ rows, eol, finalEol }) => {
    const lines = rows.map((row) =>
      row
        .map(({ text, quote }) => (quote || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text))
        .join(','),
    );
    return { text: lines.join(eol) + (finalEol ? eol : ''), eol };
  });

describe('CsvReader', () => {
  it('agrees with csv-parse on generated RFC 4180 documents, quotes and CRLF included', () => {
    fc.assert(
      fc.property(csvDocument, ({ text, eol }) => {
        // Prepare
        const expected = parse(text, {
          relax_column_count: true,
          skip_empty_lines: true,
          record_delimiter: eol,
        });
        // Act
        const records = parseCsv(text);
        // Assess
        expect(records.map((r) => r.fields)).toEqual(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same records whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(csvDocument, fc.array(fc.nat(), { maxLength: 6 }), ({ text }, cuts) => {
        // Prepare
        const bytes = encode(text);
        const reader = new CsvReader();
        // Act
        const records = split(bytes, cuts).flatMap((chunk) => reader.push(chunk));
        records.push(...reader.end());
        // Assess
        expect(records).toEqual(parseCsv(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('reports the line each record starts on, counting line breaks inside quotes', () => {
    // Prepare
    const text = 'a,b\r\n"multi\nline",c\n\nlast,row';
    // Act
    const records = parseCsv(text);
    // Assess
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['multi\nline', 'c']],
      [5, ['last', 'row']],
    ]);
  });

  it('ignores a leading byte order mark', () => {
    // Prepare
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encode('x,y\n')]);
    // Act
    const records = parseCsv(bytes);
    // Assess
    expect(records[0]!.fields).toEqual(['x', 'y']);
  });

  it('refuses an unterminated quoted field, naming its line and column', () => {
    // Act / Assess
    expect(() => parseCsv('a,b\nc,"open\n', { source: 'in.csv' })).toThrow(
      expect.objectContaining({
        name: 'CsvFormatError',
        location: { source: 'in.csv', line: 2, column: 3, offset: 6 },
      }),
    );
  });

  it('refuses text after a closing quote and a quote inside an unquoted field', () => {
    // Act / Assess
    expect(() => parseCsv('"a"b,c\n')).toThrow(/after a closing quote.*line 1, column 4/);
    expect(() => parseCsv('a,b"c\n')).toThrow(/unexpected quote.*line 1, column 4/);
  });

  it('refuses a record longer than the limit instead of buffering it', () => {
    // Prepare
    const reader = new CsvReader({ maxRecordBytes: 10 });
    // Act / Assess
    expect(() => reader.push(encode('"this quoted field never ends'))).toThrow(CsvFormatError);
  });
});

describe('NumericCsvReader', () => {
  const numberText = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x.toFixed(4)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => x.toExponential(6)),
    fc.integer().map(String),
    fc.constantFrom('0', '-0', '+1', '.5', '5.', '007', '1e5', '1E-5', '123456789012345678901234', '0.1'),
  );

  it('parses every number exactly as Number() does, whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(numberText, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 5 }),
        (rows, eol, cuts) => {
          // Prepare
          const bytes = encode(rows.map((r) => r.join(',')).join(eol));
          const reader = new NumericCsvReader();
          // Act
          const batches = split(bytes, cuts).map((chunk) => reader.push(chunk));
          batches.push(reader.end());
          // Assess
          const values = batches.flatMap((b) => Array.from(b.values));
          const expected = rows.flat().map(Number);
          expect(values.length).toBe(expected.length);
          values.forEach((v, i) => {
            expect(Object.is(v, expected[i])).toBe(true);
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads empty fields as missing (NaN) and unquotes quoted numbers', () => {
    // Act
    const batch = parseNumericCsv('1,,"2.5"\n,nan, 3 \n');
    // Assess
    expect(Array.from(batch.values)).toEqual([1, Number.NaN, 2.5, Number.NaN, Number.NaN, 3]);
    expect(Array.from(batch.lines)).toEqual([1, 2]);
  });

  it('outputs only the selected columns, in the order asked, without parsing the others', () => {
    // Act
    const batch = parseNumericCsv('id-1,1,2,x\nid-2,3,4,"y,z"\n', { select: [2, 1] });
    // Assess
    expect(batch.width).toBe(2);
    expect(Array.from(batch.values)).toEqual([2, 1, 4, 3]);
  });

  it('throws on a non-numeric field, naming line, column and field', () => {
    // Act / Assess
    expect(() => parseNumericCsv('1,2\n3,abc\n', { source: 'f.csv' })).toThrow(
      expect.objectContaining({
        message: "field 2: expected a number, got 'abc' (f.csv, line 2, column 3, byte 6)",
      }),
    );
  });

  it('sets aside non-numeric rows and rows with the wrong field count when asked to collect', () => {
    // Act
    const batch = parseNumericCsv('1,2\n3,abc\n5\n7,8', { onInvalidRow: 'collect' });
    // Assess
    expect(Array.from(batch.values)).toEqual([1, 2, 7, 8]);
    expect(batch.rejected).toEqual([
      { line: 2, offset: 4, text: '3,abc', reason: "expected a number, got 'abc'", fieldIndex: 1 },
      { line: 3, offset: 10, text: '5', reason: 'expected 2 fields, found 1' },
    ]);
  });

  it('refuses a selection beyond the row width', () => {
    // Act / Assess
    expect(() => parseNumericCsv('1,2\n', { select: [0, 5] })).toThrow(/column 6 was selected/);
  });
});

describe('CSV writers', () => {
  it('quote only what RFC 4180 requires and read back to the same fields', () => {
    fc.assert(
      fc.property(fc.array(fieldText, { minLength: 2, maxLength: 6 }), (fields) => {
        // Act
        const line = formatCsvRecord(fields);
        // Assess
        expect(parseCsv(`${line}\n`)[0]!.fields).toEqual(fields);
      }),
      { numRuns: 200 },
    );
  });

  it('write integers, negative zero, infinities and missing values in their usual text', () => {
    // Prepare
    const sink = new ByteSink();
    const values = [-2147483648, 2147483647, 0, -0, 10, -7, 1e21, 0.5, Number.POSITIVE_INFINITY, Number.NaN];
    // Act
    writeCsvNumbers(sink, values, 0, values.length);
    // Assess
    expect(new TextDecoder().decode(sink.take())).toBe('-2147483648,2147483647,0,-0,10,-7,1e+21,0.5,inf,\n');
  });

  it('write numbers that parse back to the same doubles, NaN as an empty field', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noDefaultInfinity: true }), { minLength: 1, maxLength: 10 }),
        (values) => {
          // A row whose only value is missing is an empty line, which readers (and XGBoost) skip;
          // label-first rows never have a single field.
          fc.pre(!(values.length === 1 && Number.isNaN(values[0])));
          // Prepare
          const sink = new ByteSink();
          // Act
          writeCsvNumbers(sink, values, 0, values.length);
          // Assess
          const back = Array.from(parseNumericCsv(sink.take()).values);
          expect(back).toEqual(values.map((v) => (Number.isNaN(v) ? Number.NaN : v)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
