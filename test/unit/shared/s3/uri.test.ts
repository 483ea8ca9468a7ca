import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../../shared/errors';
import { bucketNameProblem, dotSegment, isUnder, parseS3Uri } from '../../../../shared/s3/uri';

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputValidationError);
    return (error as InputValidationError).field;
  }
  return undefined;
}

describe('the S3 location type', () => {
  it('accepts the bucket names S3 accepts', () => {
    for (const name of ['sparkmaker-data', 'abc', 'a.b-c.d', '1bucket', 'x'.repeat(63), 'my.bucket.1']) {
      expect(bucketNameProblem(name), name).toBeUndefined();
    }
  });

  it('refuses the bucket names S3 refuses, saying why', () => {
    const cases: [string, RegExp][] = [
      ['ab', /3-63/],
      ['x'.repeat(64), /3-63/],
      ['My-Bucket', /lowercase/],
      ['my_bucket', /lowercase/],
      ['-bucket', /start and end/],
      ['bucket.', /start and end/],
      ['a..b', /adjacent dots/],
      ['192.168.1.1', /IP address/],
      ['xn--abc', /xn--/],
      ['sthree-bucket', /sthree-/],
      ['sthree-configurator-x', /sthree-/],
      ['amzn-s3-demo-bucket', /amzn-s3-demo-/],
      ['data-s3alias', /-s3alias/],
      ['data--ol-s3', /--ol-s3/],
      ['data.mrap', /\.mrap/],
      ['data--x-s3', /--x-s3/],
      ['data--table-s3', /--table-s3/],
    ];
    for (const [name, why] of cases) expect(bucketNameProblem(name), name).toMatch(why);
    expect(() => parseS3Uri('s3://192.168.1.1/k', 'input.uri')).toThrow(/input\.uri names an invalid bucket/);
  });

  it('compares prefixes by whole key segments', () => {
    const features = { bucket: 'b', key: 'features/' };
    expect(isUnder({ bucket: 'b', key: 'features/run-1/' }, features)).toBe(true);
    expect(isUnder({ bucket: 'b', key: 'features/' }, features)).toBe(true);
    expect(isUnder({ bucket: 'b', key: 'features' }, features)).toBe(true);
    expect(isUnder({ bucket: 'b', key: 'features-x/' }, features)).toBe(false);
    expect(isUnder({ bucket: 'b', key: 'featuresx' }, { bucket: 'b', key: 'features' })).toBe(false);
    expect(isUnder({ bucket: 'c', key: 'features/a' }, features)).toBe(false);
    expect(isUnder({ bucket: 'b', key: 'anything' }, { bucket: 'b', key: '' })).toBe(true);
  });

  it('refuses a . or .. segment, also percent-encoded, in a location the run writes under, naming the field', () => {
    for (const uri of [
      's3://sparkmaker-data/features/../',
      's3://sparkmaker-data/features/./x/',
      's3://sparkmaker-data/..',
      's3://sparkmaker-data/features/%2e%2e/',
      's3://sparkmaker-data/features/%2E./',
      's3://sparkmaker-data/features/.%2e',
      's3://sparkmaker-data/features/%2e/',
    ]) {
      expect(
        fieldOf(() => parseS3Uri(uri, 'featuresUri', { writable: true })),
        uri,
      ).toBe('featuresUri');
    }
    expect(dotSegment('features/..x/.hidden/...')).toBeUndefined();
    expect(parseS3Uri('s3://sparkmaker-data/features/..x/', 'f', { writable: true }).key).toBe(
      'features/..x/',
    );
  });

  it('keeps dot segments of a location it only reads: S3 keys are opaque', () => {
    expect(parseS3Uri('s3://sparkmaker-data/a/../b').key).toBe('a/../b');
  });

  it('refuses a key over 1024 bytes and cuts the URI it quotes', () => {
    const uri = `s3://b-1/${'k'.repeat(5000)}`;
    let message = '';
    try {
      parseS3Uri(uri, 'input.uri');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/longer than 1024 bytes/);
    expect(message.length).toBeLessThan(300);
  });
});
