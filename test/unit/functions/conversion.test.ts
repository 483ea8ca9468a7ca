import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
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
import { handler as convert } from '../../../functions/convert';
import { convertObject } from '../../../functions/lib/convert';
import { type ConversionItem, channelsOf, flatPartName } from '../../../functions/lib/plan-conversion';
import { handler as planConversion } from '../../../functions/plan-conversion';
import {
  ConversionError,
  InputValidationError,
  ObjectNotFoundError,
  TransientError,
} from '../../../shared/errors';
import { writeParquetTable } from '../../../shared/formats/parquet';
import { lambdaContext } from './context';
import { fakeS3, throttling } from './s3-fake';

const context = lambdaContext('convert');
let fake = fakeS3();

function featureParquet(rows: number): Uint8Array {
  return writeParquetTable([
    { name: 'customer_id', data: Array.from({ length: rows }, (_, i) => `c${i}`), type: 'STRING' },
    { name: 'label', data: Array.from({ length: rows }, (_, i) => i % 2), type: 'DOUBLE' },
    { name: 'f_tenure', data: Array.from({ length: rows }, (_, i) => i * 2), type: 'DOUBLE' },
    {
      name: 'f_calls',
      data: Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? null : i)),
      type: 'DOUBLE',
    },
  ]);
}

describe('convert', () => {
  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
  });

  it('converts a CSV feature object to label-first CSV and reports the counts', async () => {
    await fake.store.putObject('data', 'f/a.csv', 'customer_id,label,f_a,f_b\nc1,1,0.5,\nc2,0,1.5,2\n');
    const result = await convert(
      {
        source: 's3://data/f/a.csv',
        target: 's3://data/t/train/a.csv',
        to: 'csv',
        sparse: false,
        label: 'label',
        features: ['f_a', 'f_b'],
      },
      context,
    );
    expect(result).toEqual({ rows: 2, quarantined: 0, target: 's3://data/t/train/a.csv' });
    expect(await fake.text('data', 't/train/a.csv')).toBe('1,0.5,\n0,1.5,2\n');
  });

  it('quarantines unconvertible rows with their reasons, outside the training prefix', async () => {
    await fake.store.putObject('data', 'f/a.csv', 'customer_id,label,f_a\nc1,1,0.5\nc2,0,abc\nc3,1,2\n');
    const result = await convert(
      {
        source: 's3://data/f/a.csv',
        target: 's3://data/t/train/a.libsvm',
        to: 'libsvm',
        sparse: false,
        label: 'label',
        features: ['f_a'],
      },
      context,
    );
    expect(result).toMatchObject({
      rows: 2,
      quarantined: 1,
      quarantineUri: 's3://data/quarantine/t/train/a.libsvm.jsonl',
    });
    const quarantined = (await fake.text('data', 'quarantine/t/train/a.libsvm.jsonl')).trim().split('\n');
    expect(quarantined).toHaveLength(1);
    expect(JSON.parse(quarantined[0] ?? '{}').reason).toContain('abc');
    expect(await fake.text('data', 't/train/a.libsvm')).toBe('1 0:0.5\n1 0:2\n');
  });

  it('converts a Parquet object read by ranges to RecordIO-protobuf', async () => {
    await fake.store.putObject('data', 'f/split=train/dt=x/part-0.parquet', featureParquet(10));
    const result = await convert(
      {
        source: 's3://data/f/split=train/dt=x/part-0.parquet',
        target: 's3://data/t/train/part-0.rec',
        to: 'recordio-protobuf',
        sparse: true,
        label: 'label',
        features: ['f_tenure', 'f_calls'],
      },
      context,
    );
    expect(result.rows).toBe(10);
    const written = await fake.store.getObject('data', 't/train/part-0.rec');
    expect(new DataView(written.buffer, written.byteOffset).getUint32(0, true)).toBe(0xced7230a);
    const ranged = fake.s3.commandCalls(GetObjectCommand).every((c) => c.args[0].input.Range !== undefined);
    expect(ranged).toBe(true);
  });

  it('converts a byte range of a CSV object, taking the header from the start of the object', async () => {
    const body = 'customer_id,label,f_a\nc1,1,0.5\nc2,0,1.5\nc3,1,2.5\n';
    await fake.store.putObject('data', 'f/a.csv', body);
    const start = body.indexOf('c2');
    await convert(
      {
        source: 's3://data/f/a.csv',
        target: 's3://data/t/a-1.csv',
        to: 'csv',
        label: 'label',
        features: ['f_a'],
        range: { start, end: body.length - 1 },
      },
      context,
    );
    expect(await fake.text('data', 't/a-1.csv')).toBe('0,1.5\n1,2.5\n');
  });

  it('commits a big output with a multipart upload and nothing at the key before it completes', async () => {
    const rows = Array.from({ length: 4000 }, (_, i) => `c${i},${i % 2},${i}.25`).join('\n');
    await fake.store.putObject('data', 'f/big.csv', `customer_id,label,f_a\n${rows}\n`);
    const result = await convertObject(new S3Client({}), {
      source: { bucket: 'data', key: 'f/big.csv' },
      target: { bucket: 'data', key: 't/big.csv' },
      from: 'csv',
      to: 'csv',
      sparse: false,
      label: 'label',
      features: ['f_a'],
      partSizeBytes: 8 * 1024,
    });
    expect(result.rows).toBe(4000);
    expect(
      fake.s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key === 't/big.csv'),
    ).toHaveLength(0);
    expect((await fake.text('data', 't/big.csv')).split('\n')).toHaveLength(4001);
  });

  it('leaves the target untouched when the conversion fails', async () => {
    await fake.store.putObject('data', 'f/a.csv', 'customer_id,f_a\nc1,0.5\n');
    await fake.store.putObject('data', 't/a.csv', 'previous');
    const error = await convert(
      { source: 's3://data/f/a.csv', target: 's3://data/t/a.csv', to: 'csv', label: 'label' },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConversionError);
    expect(await fake.text('data', 't/a.csv')).toBe('previous');
  });

  it('fails with ObjectNotFoundError naming a missing source', async () => {
    fake.store.createBucket('data');
    const error = await convert(
      { source: 's3://data/f/none.csv', target: 's3://data/t/a.csv', to: 'csv' },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ObjectNotFoundError);
    expect((error as Error).message).toContain('s3://data/f/none.csv');
  });

  it('reports throttling as a TransientError', async () => {
    await fake.store.putObject('data', 'f/a.csv', 'label,f_a\n1,2\n');
    fake.s3.on(GetObjectCommand).rejects(throttling());
    await expect(
      convert({ source: 's3://data/f/a.csv', target: 's3://data/t/a.csv', to: 'csv' }, context),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects an unknown output format, naming the field', async () => {
    const error = await convert(
      { source: 's3://data/f/a.csv', target: 's3://data/t/a', to: 'xlsx' },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('to');
  });
});

describe('plan-conversion', () => {
  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
  });

  const request = {
    runId: 'train-1',
    featuresUri: 's3://data/features/train-1/',
    trainingDataUri: 's3://data/training/train-1/',
    contentType: 'application/x-recordio-protobuf',
    sparse: true,
    planUri: 's3://artifacts/runs/train-1/conversion-plan.jsonl',
  };

  /** The items of the JSONL plan the function wrote. */
  async function planItems(): Promise<Record<string, unknown>[]> {
    const text = await fake.text('artifacts', 'runs/train-1/conversion-plan.jsonl');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it('writes one JSONL item per feature object, the test split as CSV, and the feature columns', async () => {
    for (const split of ['train', 'validation', 'test']) {
      await fake.store.putObject(
        'data',
        `features/train-1/split=${split}/dt=2024-01-01/part-0.parquet`,
        featureParquet(4),
      );
    }
    await fake.store.putObject('data', 'features/train-1/_SUCCESS', '');
    const result = await planConversion(request, context);
    expect(result.featureColumns).toEqual(['f_tenure', 'f_calls']);
    expect(result.featureColumnsUri).toBe('s3://data/training/train-1/feature-columns.json');
    expect(JSON.parse(await fake.text('data', 'training/train-1/feature-columns.json'))).toEqual([
      'f_tenure',
      'f_calls',
    ]);
    const items = await planItems();
    const bySplit = Object.fromEntries(items.map((i) => [i.split, i]));
    expect(bySplit.train).toEqual({
      split: 'train',
      source: 's3://data/features/train-1/split=train/dt=2024-01-01/part-0.parquet',
      target: 's3://data/training/train-1/train/part-2024-01-01-0.rec',
      to: 'recordio-protobuf',
      sparse: true,
    });
    expect(bySplit.test).toMatchObject({
      target: 's3://data/training/train-1/test/part-2024-01-01-0.csv',
      to: 'csv',
      sparse: false,
    });
    expect(items).toHaveLength(3);
    expect(result).toMatchObject({
      planUri: request.planUri,
      bucket: 'artifacts',
      key: 'runs/train-1/conversion-plan.jsonl',
      objects: 3,
      channels: {
        train: 's3://data/training/train-1/train/',
        validation: 's3://data/training/train-1/validation/',
        test: 's3://data/training/train-1/test/',
      },
    });
  });

  it('returns a result whose size does not grow with the number of feature objects', async () => {
    // Prepare: 2,000 objects, far past what a state payload (256 KiB) could carry inline
    const parquet = featureParquet(1);
    for (let i = 0; i < 1000; i++) {
      for (const split of ['train', 'test']) {
        const dt = `2024-01-${String((i % 28) + 1).padStart(2, '0')}`;
        await fake.store.putObject(
          'data',
          `features/train-1/split=${split}/dt=${dt}/part-${i}.parquet`,
          parquet,
        );
      }
    }
    // Act
    const result = await planConversion(request, context);
    // Assess
    expect(result.objects).toBe(2000);
    expect(await planItems()).toHaveLength(2000);
    expect(JSON.stringify(result).length).toBeLessThan(1024);
    expect(result.channels).toEqual({
      train: 's3://data/training/train-1/train/',
      test: 's3://data/training/train-1/test/',
    });
  });

  it('fails with ObjectNotFoundError when the feature job wrote nothing', async () => {
    await fake.store.putObject('data', 'features/train-1/_SUCCESS', '');
    await expect(planConversion(request, context)).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it.each([
    ['train', 'test'],
    ['test', 'train'],
  ])(
    'fails with InputValidationError naming the %s split when the feature job wrote none of it',
    async (empty, present) => {
      // Prepare: rows for one split only (e.g. an input too small to spread over the splits)
      await fake.store.putObject(
        'data',
        `features/train-1/split=${present}/dt=2024-01-01/part-0.parquet`,
        featureParquet(4),
      );
      await fake.store.putObject('data', `features/train-1/split=${empty}/dt=2024-01-01/part-1.parquet`, '');
      // Act
      const error = await planConversion(request, context).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(InputValidationError);
      expect((error as InputValidationError).field).toBe('input');
      expect((error as Error).message).toContain(`s3://data/features/train-1/split=${empty}/`);
      expect((error as Error).message).toMatch(new RegExp(`no rows in the ${empty} split`));
      expect(fake.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    },
  );

  it('plans a run without a validation split', async () => {
    for (const split of ['train', 'test']) {
      await fake.store.putObject(
        'data',
        `features/train-1/split=${split}/dt=2024-01-01/part-0.parquet`,
        featureParquet(4),
      );
    }
    const result = await planConversion(request, context);
    expect((await planItems()).map((i) => i.split).sort()).toEqual(['test', 'train']);
    expect(Object.keys(result.channels).sort()).toEqual(['test', 'train']);
  });

  it('reports a throttled listing as a TransientError', async () => {
    fake.s3.on(ListObjectsV2Command).rejects(throttling());
    await expect(planConversion(request, context)).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects an unknown content type, naming the field', async () => {
    const error = await planConversion({ ...request, contentType: 'text/tsv' }, context).catch(
      (e: unknown) => e,
    );
    expect((error as InputValidationError).field).toBe('contentType');
  });
});

describe('channelsOf', () => {
  const channels = {
    train: 's3://d/training/r/train/',
    validation: 's3://d/training/r/validation/',
    test: 's3://d/training/r/test/',
  };
  const item = (split: string, target: string): ConversionItem => ({
    split,
    source: `s3://d/f/split=${split}/x.parquet`,
    target,
    to: 'csv',
    sparse: false,
  });

  it('finds one directory per split and leaves out the splits without items', () => {
    // Prepare
    const items = Object.entries(channels).flatMap(([split, dir]) => [
      item(split, `${dir}part-2026-01-01-0.libsvm`),
      item(split, `${dir}part-2026-01-02-0.libsvm`),
    ]);
    const noValidation = items.filter((i) => i.split !== 'validation');

    // Act
    const all = channelsOf(items);
    const partial = channelsOf(noValidation);

    // Assess
    expect(all).toEqual(channels);
    expect(partial).toEqual({ train: channels.train, test: channels.test });
  });
});

describe('flatPartName', () => {
  it('joins the partition values and the part name, so a channel holds no folders', () => {
    expect(flatPartName('dt=2024-01-01/part-0.parquet')).toBe('part-2024-01-01-0');
    expect(flatPartName('dt=2024-01-01/part-00003-1a2b.c000.snappy.parquet')).toBe(
      'part-2024-01-01-00003-1a2b.c000.snappy',
    );
    expect(flatPartName('part-7.csv')).toBe('part-7');
  });

  it('gives distinct feature objects distinct names', () => {
    const names = [
      'dt=2024-01-01/part-0.parquet',
      'dt=2024-01-02/part-0.parquet',
      'dt=2024-01-01/part-1.parquet',
    ];
    expect(new Set(names.map(flatPartName)).size).toBe(3);
  });
});
