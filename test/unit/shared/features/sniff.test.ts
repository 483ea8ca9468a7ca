import { describe, expect, it } from 'vitest';
import { parquetColumnTypes, sniffCsv, sniffJsonLines, sniffType } from '../../../../shared/features';

describe('type sniffing', () => {
  it('finds numbers, booleans, dates, timestamps and strings in the first CSV rows', () => {
    const csv =
      'id,n,b,d,ts,s\nA,1.5,true,2024-01-02,2024-01-02 10:00:00,x\nB,,false,2024-01-03,2024-01-03T11:00,y\nC,-2e3,TRUE,,,';
    const table = sniffCsv(csv, { complete: true });
    expect(table.columns.map((c) => c.type)).toEqual([
      'string',
      'number',
      'boolean',
      'date',
      'timestamp',
      'string',
    ]);
    expect(table.rows[2]).toEqual(['C', '-2e3', 'TRUE', null, null, null]);
  });

  it('drops a partial last line of a head that is not the whole object', () => {
    const table = sniffCsv('a,b\n1,2\n3,x', { complete: false });
    expect(table.rows).toEqual([['1', '2']]);
    expect(table.columns.map((c) => c.type)).toEqual(['number', 'number']);
  });

  it('keeps a mostly numeric column numeric so the stray words become counted bad cells', () => {
    const values = [...Array.from({ length: 40 }, (_, i) => String(i)), 'n/a'];
    expect(sniffType(values)).toBe('number');
    expect(sniffType(['1', 'n/a'])).toBe('string');
  });

  it('uses JSON types in JSON Lines and sniffs strings', () => {
    const table = sniffJsonLines('{"a":1,"b":"2024-01-01","c":true,"d":"x"}\n{"a":2.5,"b":null,"c":false}\n');
    expect(table.columns).toEqual([
      { name: 'a', type: 'number' },
      { name: 'b', type: 'date' },
      { name: 'c', type: 'boolean' },
      { name: 'd', type: 'string' },
    ]);
  });

  it('maps a Parquet schema to column types', () => {
    expect(
      parquetColumnTypes([
        { name: 'x', physicalType: 'DOUBLE', numeric: true },
        { name: 'b', physicalType: 'BOOLEAN', numeric: true },
        { name: 'd', physicalType: 'INT32', logicalType: 'DATE', numeric: false },
        { name: 't', physicalType: 'INT64', logicalType: 'TIMESTAMP', numeric: false },
        { name: 's', physicalType: 'BYTE_ARRAY', logicalType: 'STRING', numeric: false },
      ]).map((c) => c.type),
    ).toEqual(['number', 'boolean', 'date', 'timestamp', 'string']);
  });
});
