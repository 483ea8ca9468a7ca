import { S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { InputValidationError, ObjectNotFoundError } from '../../../../shared/errors';
import {
  child,
  formatS3Uri,
  headObject,
  listAllObjects,
  ObjectWriter,
  parseS3Uri,
  readObject,
  s3RangedBuffer,
} from '../../../../shared/s3';
import { fakeS3 } from '../../functions/s3-fake';

describe('s3 URIs', () => {
  it('round-trips any key, spaces and unicode included, without percent-encoding', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (key) => {
        const uri = formatS3Uri({ bucket: 'my-bucket.1', key });
        expect(parseS3Uri(uri)).toEqual({ bucket: 'my-bucket.1', key });
      }),
    );
    expect(parseS3Uri('s3://b-1/a b/%20.csv').key).toBe('a b/%20.csv');
  });

  it('names the field of a URI that is not s3://', () => {
    let error: unknown;
    try {
      parseS3Uri('https://b/k', 'input.uri');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('input.uri');
  });

  it('refuses an invalid bucket name', () => {
    expect(() => parseS3Uri('s3://My_Bucket/k')).toThrow(/invalid bucket 'My_Bucket'/);
  });

  it('joins key parts with exactly one slash', () => {
    expect(child({ bucket: 'b', key: 'a/' }, '/x/', 'y.csv')).toEqual({ bucket: 'b', key: 'a/x/y.csv' });
    expect(child({ bucket: 'b', key: '' }, 'y.csv')).toEqual({ bucket: 'b', key: 'y.csv' });
  });
});

describe('s3 reads, writes and listings', () => {
  let fake = fakeS3();
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
  });
  afterAll(() => fake.s3.restore());

  it('reads a byte range inclusive at both ends', async () => {
    await fake.store.putObject('b', 'k', '0123456789');
    const bytes = await readObject(s3, { bucket: 'b', key: 'k' }, { start: 2, end: 4 });
    expect(new TextDecoder().decode(bytes)).toBe('234');
  });

  it('serves exclusive-end slices to Parquet readers', async () => {
    await fake.store.putObject('b', 'k', '0123456789');
    const buffer = s3RangedBuffer(s3, { bucket: 'b', key: 'k' }, 10);
    expect(new TextDecoder().decode(await buffer.slice(7))).toBe('789');
    expect(new TextDecoder().decode(await buffer.slice(0, 2))).toBe('01');
  });

  it('turns a missing key into ObjectNotFoundError naming the URI, and HeadObject into undefined', async () => {
    fake.store.createBucket('b');
    await expect(readObject(s3, { bucket: 'b', key: 'none' })).rejects.toThrow(ObjectNotFoundError);
    await expect(readObject(s3, { bucket: 'b', key: 'none' })).rejects.toThrow('s3://b/none');
    expect(await headObject(s3, { bucket: 'b', key: 'none' })).toBeUndefined();
  });

  it('lists every page of a prefix', async () => {
    for (let i = 0; i < 7; i++) await fake.store.putObject('b', `p/${i}`, 'x');
    await fake.store.putObject('b', 'q/0', 'x');
    const listed = await listAllObjects(s3, { bucket: 'b', key: 'p/' });
    expect(listed.map((o) => o.key)).toEqual(['p/0', 'p/1', 'p/2', 'p/3', 'p/4', 'p/5', 'p/6']);
  });

  it('writes nothing at the key until the writer is closed, then the exact bytes', async () => {
    const writer = new ObjectWriter(s3, { bucket: 'b', key: 'out' }, { partSizeBytes: 4 });
    fake.store.createBucket('b');
    for (const part of ['abc', 'defg', 'hi', 'jklmnop']) await writer.write(part);
    expect(await fake.store.headObject('b', 'out')).toBeUndefined();
    const written = await writer.close();
    expect(written.bytes).toBe(16);
    expect(new TextDecoder().decode(await fake.store.getObject('b', 'out'))).toBe('abcdefghijklmnop');
  });

  it('keeps the previous object when a writer is aborted mid-upload', async () => {
    await fake.store.putObject('b', 'out', 'old');
    const writer = new ObjectWriter(s3, { bucket: 'b', key: 'out' }, { partSizeBytes: 2 });
    await writer.write('new data');
    await writer.abort();
    expect(new TextDecoder().decode(await fake.store.getObject('b', 'out'))).toBe('old');
  });
});
