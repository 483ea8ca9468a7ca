import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { ChannelError, channelFormat, readChannel } from '../../../../../local/services/sagemaker/channels';
import { encodeRecordIO, tensor } from '../../../../../shared/formats';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ChannelError) return error.message;
    throw error;
  }
  return 'no failure';
}

describe('channelFormat', () => {
  it('maps the container content types and defaults to LibSVM', () => {
    expect(channelFormat(undefined)).toBe('libsvm');
    expect(channelFormat('text/csv; label_size=1')).toBe('csv');
    expect(channelFormat('application/x-recordio-protobuf')).toBe('recordio-protobuf');
    expect(channelFormat('application/x-parquet')).toBe('parquet');
  });

  it("refuses other content types with the container's message", () => {
    expect(() => channelFormat('application/json')).toThrow(
      /^application\/json is not an accepted ContentType: csv, libsvm, parquet, recordio-protobuf, text\/csv/,
    );
    expect(() => channelFormat('text/csv;label_size=2')).toThrow(
      'Optional parameter label_size must be equal to 1',
    );
  });
});

describe('readChannel', () => {
  it('reads label-first CSV with empty fields as missing values', async () => {
    const data = await readChannel([{ name: 'a.csv', bytes: bytes('1,0.5,,2\n0,1.5,3,\n') }], 'csv');
    expect(data.rows).toBe(2);
    expect(data.cols).toBe(3);
    expect(Array.from(data.labels)).toEqual([1, 0]);
    expect(Array.from(data.values)).toEqual([0.5, Number.NaN, 2, 1.5, 3, Number.NaN]);
  });

  it('takes column 1 as the instance weight when csv_weights is set', async () => {
    const data = await readChannel([{ name: 'a.csv', bytes: bytes('1,2,7\n0,0.5,8\n') }], 'csv', {
      csvWeights: true,
    });
    expect(Array.from(data.weights ?? [])).toEqual([2, 0.5]);
    expect(Array.from(data.values)).toEqual([7, 8]);
  });

  it('reads LibSVM indices literally (0-based), absent entries missing', async () => {
    const data = await readChannel([{ name: 'a.libsvm', bytes: bytes('1 0:0.5 3:2\n0:2 1:1\n') }], 'libsvm');
    expect(data.cols).toBe(4);
    expect(Array.from(data.values)).toEqual([
      0.5,
      Number.NaN,
      Number.NaN,
      2,
      Number.NaN,
      1,
      Number.NaN,
      Number.NaN,
    ]);
    expect(Array.from(data.weights ?? [])).toEqual([1, 2]);
  });

  it('reads dense and sparse RecordIO-protobuf records', async () => {
    const dense = encodeRecordIO([
      { features: { values: tensor('float32', [1, 2]) }, label: { values: tensor('float32', [1]) } },
    ]);
    const sparse = encodeRecordIO([
      {
        features: { values: tensor('float32', [5], { keys: [2], shape: [4] }) },
        label: { values: tensor('float32', [0]) },
      },
    ]);
    const a = await readChannel([{ name: 'd.rec', bytes: dense }], 'recordio-protobuf');
    const b = await readChannel([{ name: 's.rec', bytes: sparse }], 'recordio-protobuf');
    expect(Array.from(a.values)).toEqual([1, 2]);
    expect(b.cols).toBe(4);
    expect(Array.from(b.values)).toEqual([Number.NaN, Number.NaN, 5, Number.NaN]);
  });

  it('reads Parquet with column 0 as the label', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'label', data: [1, 0], type: 'DOUBLE' },
        { name: 'f_a', data: [0.5, null], type: 'DOUBLE' },
        { name: 'f_b', data: [2, 3], type: 'DOUBLE' },
      ],
    });
    const data = await readChannel([{ name: 'p.parquet', bytes: new Uint8Array(buffer) }], 'parquet');
    expect(Array.from(data.labels)).toEqual([1, 0]);
    expect(Array.from(data.values)).toEqual([0.5, 2, Number.NaN, 3]);
  });

  it('fails a Parquet channel with a text column, naming the row and column', async () => {
    const buffer = parquetWriteBuffer({
      columnData: [
        { name: 'label', data: [1], type: 'DOUBLE' },
        { name: 'customer_id', data: ['c-1'], type: 'STRING' },
      ],
    });
    const reason = await failure(
      readChannel([{ name: 'p.parquet', bytes: new Uint8Array(buffer) }], 'parquet'),
    );
    expect(reason).toMatch(/^Failed to load parquet data with exception:\n/);
    expect(reason).toContain("row 1 of p.parquet: column 1 holds 'c-1', expected a number");
  });

  it('fails a malformed CSV channel naming the file and line', async () => {
    const reason = await failure(
      readChannel([{ name: 'train/a.csv', bytes: bytes('1,2,3\n0,x,3\n') }], 'csv'),
    );
    expect(reason).toMatch(/^Failed to load csv data with exception:\n/);
    expect(reason).toContain('train/a.csv');
    expect(reason).toContain('line 2');
  });

  it("fails a LibSVM file that is not LibSVM with the container's message", async () => {
    const reason = await failure(readChannel([{ name: 'train/a.txt', bytes: bytes('1,2,3\n') }], 'libsvm'));
    expect(reason).toMatch(/^First line '1,2,3\.\.\.' of file 'a\.txt' is not 'LIBSVM' format\./);
  });

  it('fails an empty channel', async () => {
    const reason = await failure(
      readChannel([{ name: 'a.csv', bytes: bytes('') }], 'csv', { channel: 'validation' }),
    );
    expect(reason).toMatch(/^No data in validation channel/);
  });
});
