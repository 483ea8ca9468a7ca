import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';

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

import { S3Client } from '@aws-sdk/client-s3';
import { planShards } from '../../../functions/lib/plan-shards';
import { handler } from '../../../functions/plan-shards';
import {
  InputValidationError,
  ObjectNotFoundError,
  ParquetFormatError,
  TransientError,
} from '../../../shared/errors';
import { parseShardManifest } from '../../../shared/partitions';
import { lambdaContext } from './context';
import { fakeS3, throttling } from './s3-fake';

const context = lambdaContext('plan-shards');
let fake = fakeS3();

function csv(rows: number): string {
  const lines = ['customer_id,f_a,f_b'];
  for (let i = 0; i < rows; i++) lines.push(`c${i},${i * 1.5},${i % 7}`);
  return `${lines.join('\n')}\n`;
}

const request = {
  runId: 'score-1',
  inputUri: 's3://data/features/score-1/',
  format: 'csv',
  shardSizeBytes: 1024,
  manifestUri: 's3://artifacts/runs/score-1/shards.jsonl',
};

describe('plan-shards', () => {
  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
  });

  it('splits a big object into ranges that start and end on line boundaries and cover every byte', async () => {
    // Prepare
    const body = csv(300);
    await fake.store.putObject('data', 'features/score-1/dt=2024-01-01/part-0.csv', body);
    // Act
    const result = await handler(request, context);
    // Assess
    const entries = parseShardManifest(await fake.text('artifacts', 'runs/score-1/shards.jsonl'), 'manifest');
    expect(result).toEqual({
      manifestUri: request.manifestUri,
      bucket: 'artifacts',
      key: 'runs/score-1/shards.jsonl',
      shards: entries.length,
      bytes: body.length,
    });
    expect(entries.length).toBeGreaterThan(3);
    let next = 0;
    for (const [i, entry] of entries.entries()) {
      expect(entry.shardId).toBe(String(i).padStart(5, '0'));
      const range = entry.range ?? { start: -1, end: -1 };
      expect(range.start).toBe(next);
      expect(body[range.end]).toBe('\n');
      next = range.end + 1;
    }
    expect(next).toBe(body.length);
    const rejoined = entries.map((e) => body.slice(e.range?.start, (e.range?.end ?? 0) + 1)).join('');
    expect(rejoined).toBe(body);
  });

  it('keeps small objects whole, skips markers and empty files, and pages through the listing', async () => {
    for (let i = 0; i < 5; i++)
      await fake.store.putObject('data', `features/score-1/dt=x/part-${i}.csv`, csv(3));
    await fake.store.putObject('data', 'features/score-1/_SUCCESS', '');
    await fake.store.putObject('data', 'features/score-1/dt=x/empty.csv', '');
    const result = await handler(request, context);
    const entries = parseShardManifest(await fake.text('artifacts', 'runs/score-1/shards.jsonl'), 'manifest');
    expect(result.shards).toBe(5);
    expect(entries.every((e) => e.range === undefined)).toBe(true);
    expect(entries.map((e) => e.source)).toEqual(
      [0, 1, 2, 3, 4].map((i) => `s3://data/features/score-1/dt=x/part-${i}.csv`),
    );
    expect(fake.s3.commandCalls(ListObjectsV2Command).length).toBeGreaterThan(1);
  });

  it('finds the newline after a cut with small ranged reads, never the whole object', async () => {
    const body = csv(2000);
    await fake.store.putObject('data', 'in/big.csv', body);
    await planShards(new S3Client({}), {
      input: { bucket: 'data', key: 'in/big.csv' },
      format: 'csv',
      shardSizeBytes: 8192,
      manifest: { bucket: 'artifacts', key: 'm.jsonl' },
      probeBytes: 64,
    });
    const ranges = fake.s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Range ?? 'whole');
    expect(ranges).not.toContain('whole');
    for (const range of ranges) {
      const [, start, end] = /bytes=(\d+)-(\d+)/.exec(range) ?? [];
      expect(Number(end) - Number(start) + 1).toBeLessThanOrEqual(64);
    }
  });

  it('widens the probe when a line is longer than it', async () => {
    const body = `${'x'.repeat(3000)}\n${'y'.repeat(3000)}\n`;
    await fake.store.putObject('data', 'in/long.csv', body);
    const result = await planShards(new S3Client({}), {
      input: { bucket: 'data', key: 'in/long.csv' },
      format: 'csv',
      shardSizeBytes: 1024,
      manifest: { bucket: 'artifacts', key: 'm.jsonl' },
      probeBytes: 16,
    });
    const entries = parseShardManifest(await fake.text('artifacts', 'm.jsonl'), 'm');
    expect(result.shards).toBe(2);
    expect(entries.map((e) => e.range)).toEqual([
      { start: 0, end: 3000 },
      { start: 3001, end: 6001 },
    ]);
  });

  it('refuses a big object that is not Parquet, naming it', async () => {
    await fake.store.putObject('data', 'f/dt=x/part-0.parquet', new Uint8Array(5000));
    const error = await handler({ ...request, inputUri: 's3://data/f/', format: 'parquet' }, context).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ParquetFormatError);
    expect((error as Error).message).toContain('s3://data/f/dt=x/part-0.parquet');
  });

  it('makes a Parquet object no bigger than a shard one whole shard', async () => {
    await fake.store.putObject('data', 'f/dt=x/part-0.parquet', new Uint8Array(500));
    const result = await handler({ ...request, inputUri: 's3://data/f/', format: 'parquet' }, context);
    const entries = parseShardManifest(await fake.text('artifacts', 'runs/score-1/shards.jsonl'), 'm');
    expect(result.shards).toBe(1);
    expect(entries[0]).toEqual({
      shardId: '00000',
      source: 's3://data/f/dt=x/part-0.parquet',
      format: 'parquet',
    });
  });

  it('fails with ObjectNotFoundError when the input holds no data', async () => {
    await fake.store.putObject('data', 'features/score-1/_SUCCESS', '');
    await expect(handler(request, context)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('reports a throttled listing as a TransientError', async () => {
    fake.s3.on(ListObjectsV2Command).rejects(throttling());
    await expect(handler(request, context)).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects an unknown format, naming the field', async () => {
    const error = await handler({ ...request, format: 'xlsx' }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('format');
  });
});

describe('splitObject', () => {
  it('covers any text with contiguous ranges that each end at a newline or the end of the object', async () => {
    const { splitObject } = await import('../../../functions/lib/plan-shards');
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'é', ',', '\n'), maxLength: 40 }), {
          maxLength: 30,
        }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 16 }),
        async (lines, shardSize, probe) => {
          fake.s3.restore();
          fake = fakeS3();
          const body = new TextEncoder().encode(lines.join('\n'));
          await fake.store.putObject('data', 'p.csv', body);
          const ranges = await splitObject(
            new S3Client({}),
            { bucket: 'data', key: 'p.csv' },
            body.length,
            shardSize,
            probe,
          );
          let next = 0;
          for (const range of ranges) {
            expect(range.start).toBe(next);
            expect(range.end === body.length - 1 || body[range.end] === 0x0a).toBe(true);
            next = range.end + 1;
          }
          expect(next).toBe(body.length);
        },
      ),
      { numRuns: 150 },
    );
  });
});
