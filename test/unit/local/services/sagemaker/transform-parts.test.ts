import { describe, expect, it } from 'vitest';
import { compileCsvFilter } from '../../../../../local/services/sagemaker/jsonpath-filter';
import { batchRecords, splitRecords } from '../../../../../local/services/sagemaker/transform-job';
import { encodeRecordIO, tensor } from '../../../../../shared/formats';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('compileCsvFilter', () => {
  it('picks fields with the JSONPath subset batch transform uses', () => {
    const row = ['label', 'a', 'b', 'c'];
    expect(compileCsvFilter('$')(row)).toEqual(row);
    expect(compileCsvFilter('$[1:]')(row)).toEqual(['a', 'b', 'c']);
    expect(compileCsvFilter('$[:-1]')(row)).toEqual(['label', 'a', 'b']);
    expect(compileCsvFilter('$[0,-1]')(row)).toEqual(['label', 'c']);
    expect(compileCsvFilter('$[2]')(row)).toEqual(['b']);
  });

  it('refuses expressions outside the subset by name', () => {
    expect(() => compileCsvFilter('$.features')).toThrow("unsupported JSONPath filter '$.features'");
  });
});

describe('splitRecords', () => {
  it('splits lines, dropping CR and blank lines', () => {
    expect(splitRecords(bytes('a,b\r\n\nc,d'), 'Line', 'x').map(text)).toEqual(['a,b', 'c,d']);
  });

  it('keeps whole RecordIO frames, padding included', () => {
    const body = encodeRecordIO([
      { features: { values: tensor('float32', [1]) } },
      { features: { values: tensor('float32', [2, 3]) } },
    ]);
    const frames = splitRecords(body, 'RecordIO', 'x');
    expect(frames).toHaveLength(2);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBe(body.length);
  });

  it('sends the whole object as one record with SplitType None', () => {
    expect(splitRecords(bytes('a\nb\n'), 'None', 'x').map(text)).toEqual(['a\nb\n']);
  });
});

describe('batchRecords', () => {
  const records = ['aaaa', 'bbbb', 'cccc'].map(bytes);

  it('packs MultiRecord batches up to the payload limit, separators counted', () => {
    expect(batchRecords(records, 'MultiRecord', 10, 1).map((b) => b.length)).toEqual([2, 1]);
  });

  it('sends one record per request with SingleRecord', () => {
    expect(batchRecords(records, 'SingleRecord', 10, 1).map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('refuses a record larger than the payload limit', () => {
    expect(() => batchRecords(records, 'MultiRecord', 3, 1)).toThrow(/larger than MaxPayloadInMB allows/);
  });
});
