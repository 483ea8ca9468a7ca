import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParquetFormatError } from '../../../../shared/errors';
import { parquetColumns, readParquetBatches, writeParquetTable } from '../../../../shared/formats/parquet';

async function readAll(bytes: Uint8Array, columns?: string[]) {
  const out = new Map<string, unknown[]>();
  for await (const batch of readParquetBatches(bytes, columns === undefined ? {} : { columns })) {
    for (const [name, values] of batch.columns)
      out.set(name, [...(out.get(name) ?? []), ...Array.from(values)]);
  }
  return out;
}

describe('Parquet feature tables', () => {
  it('read back what was written, whatever the row group size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }).chain((rows) =>
          fc.record({
            label: fc.array(fc.option(fc.double({ noNaN: true }), { nil: null }), {
              minLength: rows,
              maxLength: rows,
            }),
            count: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), {
              minLength: rows,
              maxLength: rows,
            }),
            name: fc.array(fc.string(), { minLength: rows, maxLength: rows }),
          }),
        ),
        fc.integer({ min: 1, max: 8 }),
        async (table, rowGroupSize) => {
          // Prepare
          const bytes = writeParquetTable(
            [
              { name: 'label', data: table.label, type: 'DOUBLE' },
              { name: 'count', data: table.count, type: 'INT32' },
              { name: 'name', data: table.name, type: 'STRING' },
            ],
            { rowGroupSize },
          );
          // Act
          const read = await readAll(bytes);
          // Assess
          expect(read.get('label') ?? []).toEqual(table.label);
          expect(read.get('count') ?? []).toEqual(table.count);
          expect(read.get('name') ?? []).toEqual(table.name);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('tells numeric columns from the others', async () => {
    // Prepare
    const bytes = writeParquetTable([
      { name: 'd', data: [1.5], type: 'DOUBLE' },
      { name: 'i', data: [1n], type: 'INT64' },
      { name: 'b', data: [true], type: 'BOOLEAN' },
      { name: 's', data: ['x'], type: 'STRING' },
      { name: 't', data: [new Date(0)], type: 'TIMESTAMP' },
    ]);
    // Act
    const columns = await parquetColumns(bytes);
    // Assess
    expect(columns.map((c) => [c.name, c.numeric])).toEqual([
      ['d', true],
      ['i', true],
      ['b', true],
      ['s', false],
      ['t', false],
    ]);
  });

  it('reads only the columns asked for, and refuses an unknown one', async () => {
    // Prepare
    const bytes = writeParquetTable([
      { name: 'a', data: [1, 2], type: 'DOUBLE' },
      { name: 'b', data: [3, 4], type: 'DOUBLE' },
    ]);
    // Act / Assess
    expect([...(await readAll(bytes, ['b'])).keys()]).toEqual(['b']);
    await expect(readAll(bytes, ['zz'])).rejects.toThrow(/no column 'zz'.*columns: a, b/);
  });

  it('refuses bytes that are not Parquet with a ParquetFormatError and an offset', async () => {
    // Prepare
    const bytes = writeParquetTable([{ name: 'a', data: [1, 2], type: 'DOUBLE' }]);
    // Act / Assess
    await expect(parquetColumns(bytes.subarray(0, bytes.length - 1))).rejects.toThrow(
      expect.objectContaining({ name: 'ParquetFormatError', location: { offset: bytes.length - 5 } }),
    );
    await expect(parquetColumns(new TextEncoder().encode('a,b\n1,2\n'))).rejects.toThrow(ParquetFormatError);
  });
});
