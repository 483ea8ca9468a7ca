import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputValidationError, JsonLinesFormatError } from '../../../../shared/errors';
import {
  checkDt,
  encodeShardManifest,
  isDataKey,
  parseResultFile,
  parseResultWriterManifest,
  parseShardManifest,
  partFileName,
  type ShardEntry,
  scoreOutputKey,
  shardId,
} from '../../../../shared/partitions';

describe('partition paths', () => {
  it('builds the part key of a shard under a prefix with or without a trailing slash', () => {
    expect(scoreOutputKey('scores/', '2024-01-31', '00007')).toBe('scores/dt=2024-01-31/part-00007.csv');
    expect(scoreOutputKey('scores', '2024-01-31', '00007')).toBe('scores/dt=2024-01-31/part-00007.csv');
    expect(scoreOutputKey('', '2024-01-31', '00007')).toBe('dt=2024-01-31/part-00007.csv');
  });

  it('refuses dates that are not on the calendar', () => {
    expect(checkDt('2024-02-29')).toBe('2024-02-29');
    expect(() => checkDt('2023-02-29')).toThrow(InputValidationError);
    expect(() => checkDt('2024-1-01')).toThrow(/YYYY-MM-DD/);
  });

  it('pads shard ids to five digits and keeps them sortable', () => {
    expect(shardId(0)).toBe('00000');
    expect(shardId(123456)).toBe('123456');
    expect(partFileName('00042', '.csv')).toBe('part-00042.csv');
    expect(() => partFileName('42', 'csv')).toThrow(RangeError);
  });

  it('tells data keys from markers, folders and temporary files', () => {
    expect(isDataKey('incoming/a b.csv')).toBe(true);
    for (const key of ['incoming/_SUCCESS', 'x/', 'x/_temporary/0/a.csv', 'x/.a.csv.crc', 'x_$folder$']) {
      expect(isDataKey(key)).toBe(false);
    }
  });
});

describe('shard manifest', () => {
  const entry = fc.record(
    {
      shardId: fc.integer({ min: 0, max: 99_999 }).map(shardId),
      source: fc.string().map((s) => `s3://bucket/${s}`),
      format: fc.constantFrom('csv' as const, 'json' as const, 'parquet' as const),
      range: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) })),
    },
    { requiredKeys: ['shardId', 'source', 'format'] },
  );

  it('round-trips any entries through JSON Lines', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (entries: ShardEntry[]) => {
        expect(parseShardManifest(encodeShardManifest(entries), 'm')).toEqual(entries);
      }),
    );
  });

  it('names the manifest, line and field of a bad entry', () => {
    const text = `${JSON.stringify({ shardId: '00000', source: 's3://b/k', format: 'csv' })}\n{"shardId":"00001","source":"s3://b/k","format":"xml"}\n`;
    expect(() => parseShardManifest(text, 's3://a/m.jsonl')).toThrow(
      /s3:\/\/a\/m\.jsonl, line 2, field 'format'/,
    );
  });

  it('refuses a range that ends before it starts', () => {
    const text = JSON.stringify({
      shardId: '00000',
      source: 's3://b/k',
      format: 'csv',
      range: { start: 5, end: 2 },
    });
    expect(() => parseShardManifest(text, 'm')).toThrow(JsonLinesFormatError);
  });
});

describe('ResultWriter files', () => {
  it('reads the manifest of a map run', () => {
    const manifest = parseResultWriterManifest(
      JSON.stringify({
        DestinationBucket: 'b',
        MapRunArn: 'arn',
        ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: 'p/u/SUCCEEDED_0.json', Size: 10 }] },
      }),
      'm',
    );
    expect(manifest).toEqual({
      destinationBucket: 'b',
      mapRunArn: 'arn',
      succeeded: [{ key: 'p/u/SUCCEEDED_0.json', size: 10 }],
      failed: [],
      pending: [],
    });
  });

  it('decodes the JSON-encoded Input and Output of execution records', () => {
    const records = parseResultFile(
      JSON.stringify([
        { ExecutionArn: 'a', Status: 'FAILED', Input: '{"Items":[]}', Output: null, Error: 'E', Cause: 'C' },
      ]),
      'f',
      'FAILED',
    );
    expect(records).toEqual([
      { status: 'FAILED', input: { Items: [] }, output: null, error: 'E', cause: 'C' },
    ]);
  });

  it('names a result file that is not a JSON array', () => {
    expect(() => parseResultFile('{}', 's3://b/SUCCEEDED_0.json', 'SUCCEEDED')).toThrow(/SUCCEEDED_0\.json/);
  });
});
