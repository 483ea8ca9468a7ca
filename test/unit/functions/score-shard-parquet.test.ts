import { readFileSync } from 'node:fs';
import { parquetRead } from 'hyparquet';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
    SCORE_BLOCK_ROWS: '7',
  });
});

vi.mock('hyparquet', async (importOriginal) => {
  const original = await importOriginal<typeof import('hyparquet')>();
  return { ...original, parquetRead: vi.fn(original.parquetRead) };
});

import { clearScoreCaches } from '../../../functions/lib/score-shard';
import { handler } from '../../../functions/score-shard';
import { ParquetFormatError } from '../../../shared/errors';
import { writeParquetTable } from '../../../shared/formats/parquet';
import { lambdaContext } from './context';
import { fakeS3 } from './s3-fake';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/model/${name}`, import.meta.url));
const inputRows = fixture('binary_logistic.input.csv').toString('utf8').trim().split('\n');
const expectedScores = fixture('binary_logistic.input.out').toString('utf8').trim().split('\n');
const features = Array.from({ length: 8 }, (_, i) => `f_${i}`);
const cells = inputRows.map((row) => row.split(','));
/** One row group holding every row. */
const parquet = writeParquetTable([
  { name: 'customer_id', data: inputRows.map((_, i) => `c${i}`), type: 'STRING' },
  ...features.map((f, j) => ({
    name: f,
    data: cells.map((c) => (c[j] === '' ? null : Number(c[j]))),
    type: 'DOUBLE' as const,
  })),
]);

const context = lambdaContext('score-shard');
const batchInput = {
  runId: 'score-1',
  modelUri: 's3://artifacts/models/m/model.xgboost-model',
  outputUri: 's3://data/scores/',
  dt: '2024-01-01',
};
let fake = fakeS3();

describe('score-shard on Parquet', () => {
  beforeEach(async () => {
    fake.s3.restore();
    fake = fakeS3();
    clearScoreCaches();
    vi.mocked(parquetRead).mockClear();
    await fake.store.putObject(
      'artifacts',
      'models/m/model.xgboost-model',
      fixture('binary_logistic.xgboost-model'),
    );
    await fake.store.putObject('data', 'f/one-group.parquet', parquet);
  });

  it.each([
    ['the whole object', {}],
    ['its row groups', { rowGroups: { start: 0, end: 0 } }],
  ])('decodes %s column by column, building no row arrays, to the container scores', async (_, extra) => {
    // Act
    await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/f/one-group.parquet', format: 'parquet', ...extra }],
        BatchInput: batchInput,
      },
      context,
    );
    // Assess
    const calls = vi.mocked(parquetRead).mock.calls.map(([options]) => options);
    expect(calls).toHaveLength(1);
    expect(calls.every((options) => options.onComplete === undefined && options.onChunk !== undefined)).toBe(
      true,
    );
    const lines = (await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv'))
      .trim()
      .split('\n');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(expectedScores);
  });

  it('names a feature column the Parquet object lacks', async () => {
    await fake.store.putObject('data', 'cols.json', JSON.stringify([...features.slice(0, 7), 'f_missing']));
    const error = await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/f/one-group.parquet', format: 'parquet' }],
        BatchInput: { ...batchInput, featureColumnsUri: 's3://data/cols.json' },
      },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParquetFormatError);
    expect((error as Error).message).toContain("'f_missing'");
  });
});
