import { vi } from 'vitest';

vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
  });
});

import { GetObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it } from 'vitest';
import { cut, MAX_CAUSE_CHARS, readableCause } from '../../../functions/lib/map-failure';
import { handler } from '../../../functions/map-failure';
import { lambdaContext } from './context';
import { fakeS3 } from './s3-fake';

const context = lambdaContext('map-failure');
let fake = fakeS3();
const mapError = {
  Error: 'States.ExceedToleratedFailureThreshold',
  Cause: 'The specified tolerance threshold was exceeded',
};
const request = { resultWriterUri: 's3://artifacts/map-results/run-1/conversion', mapError };

/** A failed child as ResultWriter records it: the Lambda error envelope is the Cause. */
function failedChild(n: number, message: string, inputPadding = 0): Record<string, unknown> {
  return {
    ExecutionArn: `arn:aws:states:us-east-1:0:execution:sm/ConvertObjects:${n}`,
    Name: `child-${n}`,
    Status: 'FAILED',
    Input: JSON.stringify({ source: `s3://data/f/${n}.parquet`, pad: 'x'.repeat(inputPadding) }),
    Error: 'ParquetFormatError',
    Cause: JSON.stringify({
      errorType: 'ParquetFormatError',
      errorMessage: message,
      trace: [`ParquetFormatError: ${message}`, '    at convert (/var/task/index.mjs:1:1)'],
    }),
  };
}

describe('map-failure', () => {
  beforeEach(() => {
    fake = fakeS3();
  });

  it("returns the first failed child's error and message, without the stack trace", async () => {
    await fake.store.putObject(
      'artifacts',
      'map-results/run-1/conversion/4c2f/FAILED_0.json',
      JSON.stringify([failedChild(1, 'not a Parquet file (s3://data/f/1.parquet)'), failedChild(2, 'other')]),
    );
    await fake.store.putObject('artifacts', 'map-results/run-1/conversion/4c2f/manifest.json', '{}');
    const result = await handler(request, context);
    expect(result).toEqual({
      Error: 'ParquetFormatError',
      Cause: 'not a Parquet file (s3://data/f/1.parquet)',
      source: 's3://artifacts/map-results/run-1/conversion/4c2f/FAILED_0.json',
    });
  });

  it("falls back to the Map's own error when no result file holds a failed child", async () => {
    await fake.store.putObject('artifacts', 'map-results/run-1/conversion/4c2f/SUCCEEDED_0.json', '[]');
    await fake.store.putObject('artifacts', 'map-results/run-1/conversion/4c2f/FAILED_0.json', '[]');
    expect(await handler(request, context)).toEqual(mapError);
  });

  it('reads only the leading bytes of a result file far over 256 KiB', async () => {
    // Prepare: 40 failed children whose inputs make the file ~10 MB
    const children = Array.from({ length: 40 }, (_, i) => failedChild(i, `bad object ${i}`, 250_000));
    const body = JSON.stringify(children);
    expect(body.length).toBeGreaterThan(9_000_000);
    await fake.store.putObject('artifacts', 'map-results/run-1/conversion/4c2f/FAILED_0.json', body);
    let delivered = 0;
    fake.s3.on(GetObjectCommand).callsFake(async () => {
      const { Readable } = await import('node:stream');
      const bytes = Buffer.from(body);
      // A stream of 64 KiB chunks that counts what the reader really pulled.
      const stream = new Readable({
        read() {
          if (delivered >= bytes.length) {
            this.push(null);
            return;
          }
          const next = bytes.subarray(delivered, delivered + 65_536);
          delivered += next.length;
          this.push(next);
        },
      });
      return { Body: stream as never, ContentLength: bytes.length };
    });
    // Act
    const result = await handler(request, context);
    // Assess
    expect(result.Cause).toBe('bad object 0');
    expect(delivered).toBeLessThan(1_000_000);
  });

  it('takes the first of several result files, by number', async () => {
    const prefix = 'map-results/run-1/conversion/4c2f';
    await fake.store.putObject(
      'artifacts',
      `${prefix}/FAILED_10.json`,
      JSON.stringify([failedChild(10, 'ten')]),
    );
    await fake.store.putObject(
      'artifacts',
      `${prefix}/FAILED_2.json`,
      JSON.stringify([failedChild(2, 'two')]),
    );
    await fake.store.putObject(
      'artifacts',
      `${prefix}/FAILED_1.json`,
      JSON.stringify([failedChild(1, 'one')]),
    );
    expect((await handler(request, context)).Cause).toBe('one');
  });

  it('names the missing field of a bad payload', async () => {
    await expect(handler({ resultWriterUri: request.resultWriterUri }, context)).rejects.toMatchObject({
      name: 'InputValidationError',
      field: 'mapError',
    });
  });
});

describe('readableCause', () => {
  it('keeps a cause that is not a Lambda envelope, cut to size with the cut shown', () => {
    expect(readableCause('plain words')).toBe('plain words');
    const long = readableCause('y'.repeat(MAX_CAUSE_CHARS + 10));
    expect(long.startsWith('y'.repeat(MAX_CAUSE_CHARS))).toBe(true);
    expect(long).toMatch(/\[10 more characters cut\]$/);
    expect(cut('abc', 5)).toBe('abc');
  });
});
