import { readFileSync } from 'node:fs';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

import { clearScoreCaches } from '../../../functions/lib/score-shard';
import { handler } from '../../../functions/score-shard';
import {
  CsvFormatError,
  InputValidationError,
  JsonLinesFormatError,
  ModelFormatError,
  TransientError,
} from '../../../shared/errors';
import { writeParquetTable } from '../../../shared/formats/parquet';
import { parseShardManifest } from '../../../shared/partitions';
import { lambdaContext } from './context';
import { fakeS3, throttling } from './s3-fake';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/model/${name}`, import.meta.url));
const model = fixture('binary_logistic.xgboost-model');
/** Rows of the model's inputs (no header) and the container's batch-transform output for them. */
const inputRows = fixture('binary_logistic.input.csv').toString('utf8').trim().split('\n');
const expectedScores = fixture('binary_logistic.input.out').toString('utf8').trim().split('\n');
const features = Array.from({ length: 8 }, (_, i) => `f_${i}`);
const table = `customer_id,${features.join(',')}\n${inputRows.map((row, i) => `c${i},${row}`).join('\n')}\n`;

const context = lambdaContext('score-shard');
let fake = fakeS3();

const batchInput = {
  runId: 'score-1',
  modelUri: 's3://artifacts/models/m/model.xgboost-model',
  outputUri: 's3://data/scores/',
  dt: '2024-01-01',
};

async function seedModel(): Promise<void> {
  await fake.store.putObject('artifacts', 'models/m/model.xgboost-model', model);
}

function outputScores(text: string): { ids: string[]; scores: string[] } {
  const [header, ...lines] = text.trim().split('\n');
  expect(header).toBe('id,score');
  return { ids: lines.map((l) => l.split(',')[0] ?? ''), scores: lines.map((l) => l.split(',')[1] ?? '') };
}

describe('score-shard', () => {
  beforeEach(async () => {
    fake.s3.restore();
    fake = fakeS3();
    clearScoreCaches();
    await seedModel();
  });

  it('scores a CSV shard exactly as the XGBoost container does and writes its part file', async () => {
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    const shard = { shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' };
    const result = await handler({ Items: [shard], BatchInput: batchInput }, context);
    expect(result).toEqual({
      shards: [
        {
          shardId: '00000',
          rows: inputRows.length,
          outputKey: 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv',
        },
      ],
    });
    const { ids, scores } = outputScores(
      await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv'),
    );
    expect(ids).toEqual(inputRows.map((_, i) => `c${i}`));
    expect(scores).toEqual(expectedScores);
  });

  it('scores byte-range shards, reading the header from the start of the object', async () => {
    await fake.store.putObject('data', 'features/s/big.csv', table);
    const cut = table.indexOf('\n', Math.floor(table.length / 2)) + 1;
    const items = [
      {
        shardId: '00000',
        source: 's3://data/features/s/big.csv',
        format: 'csv',
        range: { start: 0, end: cut - 1 },
      },
      {
        shardId: '00001',
        source: 's3://data/features/s/big.csv',
        format: 'csv',
        range: { start: cut, end: table.length - 1 },
      },
    ];
    const result = await handler({ Items: items, BatchInput: batchInput }, context);
    const first = outputScores(
      await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv'),
    );
    const second = outputScores(
      await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00001.csv'),
    );
    expect([...first.scores, ...second.scores]).toEqual(expectedScores);
    expect(result.shards.map((s) => s.rows).reduce((a, b) => a + b)).toBe(inputRows.length);
  });

  it('uses the feature column list in its order when one is given', async () => {
    const reversed = `customer_id,${[...features].reverse().join(',')}\n${inputRows
      .map((row, i) => `c${i},${row.split(',').reverse().join(',')}`)
      .join('\n')}\n`;
    await fake.store.putObject('data', 'f/r.csv', reversed);
    await fake.store.putObject('data', 'cols.json', JSON.stringify(features));
    await handler(
      {
        Items: [{ shardId: '00003', source: 's3://data/f/r.csv', format: 'csv' }],
        BatchInput: { ...batchInput, featureColumnsUri: 's3://data/cols.json' },
      },
      context,
    );
    expect(
      outputScores(await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00003.csv')).scores,
    ).toEqual(expectedScores);
  });

  it('scores JSON Lines and Parquet shards to the same scores', async () => {
    const rows = inputRows.map((row, i) => {
      const cells = row.split(',');
      return Object.fromEntries([
        ['customer_id', `c${i}`],
        ...features.map((f, j) => [f, cells[j] === '' ? null : Number(cells[j])]),
      ]);
    });
    await fake.store.putObject('data', 'f/rows.jsonl', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const parquet = writeParquetTable([
      { name: 'customer_id', data: rows.map((r) => r.customer_id as string), type: 'STRING' as const },
      ...features.map((f) => ({
        name: f,
        data: rows.map((r) => r[f] as number | null),
        type: 'DOUBLE' as const,
      })),
    ]);
    await fake.store.putObject('data', 'f/rows.parquet', parquet);
    await handler(
      {
        Items: [
          { shardId: '00000', source: 's3://data/f/rows.jsonl', format: 'json' },
          { shardId: '00001', source: 's3://data/f/rows.parquet', format: 'parquet' },
        ],
        BatchInput: batchInput,
      },
      context,
    );
    expect(
      outputScores(await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv')).scores,
    ).toEqual(expectedScores);
    expect(
      outputScores(await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00001.csv')).scores,
    ).toEqual(expectedScores);
  });

  it('scores the row-group shards plan-shards makes of a big Parquet object to the same scores', async () => {
    const { planShards } = await import('../../../functions/lib/plan-shards');
    const cells = inputRows.map((row) => row.split(','));
    const parquet = writeParquetTable(
      [
        { name: 'customer_id', data: inputRows.map((_, i) => `c${i}`), type: 'STRING' },
        ...features.map((f, j) => ({
          name: f,
          data: cells.map((c) => (c[j] === '' ? null : Number(c[j]))),
          type: 'DOUBLE' as const,
        })),
      ],
      { rowGroupSize: 7 },
    );
    await fake.store.putObject('data', 'f/big.parquet', parquet);
    const plan = await planShards(new S3Client({}), {
      input: { bucket: 'data', key: 'f/big.parquet' },
      format: 'parquet',
      shardSizeBytes: 1024,
      manifest: { bucket: 'artifacts', key: 'm.jsonl' },
    });
    const items = parseShardManifest(await fake.text('artifacts', 'm.jsonl'), 'm');
    expect(plan.shards).toBeGreaterThan(1);
    expect(items.every((item) => item.rowGroups !== undefined)).toBe(true);
    const result = await handler({ Items: items, BatchInput: batchInput }, context);
    const scores: string[] = [];
    for (const shard of result.shards)
      scores.push(...outputScores(await fake.text('data', shard.outputKey)).scores);
    expect(scores).toEqual(expectedScores);
  });

  it('overwrites its own part file when retried, leaving one output per shard', async () => {
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    const event = {
      Items: [{ shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' }],
      BatchInput: batchInput,
    };
    await handler(event, context);
    const first = await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv');
    await handler(event, context);
    const listed = await fake.store.listObjects('data', { prefix: 'scores/' });
    expect(listed.objects.map((o) => o.key)).toEqual([
      'scores/_staging/score-1/dt=2024-01-01/part-00000.csv',
    ]);
    expect(await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv')).toBe(first);
  });

  it('loads the model once across invocations while its ETag is unchanged', async () => {
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    const event = {
      Items: [{ shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' }],
      BatchInput: batchInput,
    };
    await handler(event, context);
    await handler(event, context);
    const modelReads = fake.s3
      .commandCalls(GetObjectCommand)
      .filter((c) => c.args[0].input.Key === 'models/m/model.xgboost-model');
    expect(modelReads).toHaveLength(1);
  });

  it('reads a blank or padded field as XGBoost does: blank is missing, padding is ignored', async () => {
    const blank = `customer_id,${features.join(',')}\nc0,${features.map(() => ' ').join(',')}\nc1,${(
      inputRows[1] ?? ''
    )
      .split(',')
      .map((v) => ` ${v} `)
      .join(',')}\n`;
    await fake.store.putObject('data', 'f/blank.csv', blank);
    await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/f/blank.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    );
    const { scores } = outputScores(
      await fake.text('data', 'scores/_staging/score-1/dt=2024-01-01/part-00000.csv'),
    );
    expect(scores).toEqual(expectedScores.slice(0, 2));
  });

  it('fails a shard with a non-numeric feature, naming the line and column, and writes nothing', async () => {
    await fake.store.putObject('data', 'f/bad.csv', 'customer_id,f_0\nc1,0.5\nc2,abc\n');
    await fake.store.putObject('data', 'cols.json', JSON.stringify(['f_0']));
    const error = await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/f/bad.csv', format: 'csv' }],
        BatchInput: { ...batchInput, featureColumnsUri: 's3://data/cols.json' },
      },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toMatch(/line 3.*f_0|f_0.*line 3/);
    expect(
      fake.s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key?.startsWith('scores/')),
    ).toHaveLength(0);
  });

  it.each([
    ['csv', 'f/secret.csv', `customer_id,${features.join(',')}\nc1,${'1,'.repeat(7)}SECRET-4111\n`],
    [
      'json',
      'f/secret.jsonl',
      `${JSON.stringify({ customer_id: 'c0', ...Object.fromEntries(features.map((f) => [f, 1])) })}\n${JSON.stringify({ customer_id: 'c1', f_0: { card: 'SECRET-4111' } })}\n`,
    ],
  ])(
    'keeps the offending %s cell out of the error message, naming where it is instead',
    async (format, key, body) => {
      // Prepare
      await fake.store.putObject('data', key, body);
      // Act
      const error = await handler(
        { Items: [{ shardId: '00000', source: `s3://data/${key}`, format }], BatchInput: batchInput },
        context,
      ).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(format === 'csv' ? CsvFormatError : JsonLinesFormatError);
      expect((error as Error).message).not.toContain('SECRET');
      expect((error as Error).message).toMatch(/line 2/);
      expect((error as Error).message).toMatch(/f_[07]/);
      expect((error as Error).message).toContain('expected a number');
    },
  );

  it('fails without a column list when the input has fewer f_* columns than the model has features', async () => {
    // Prepare: 7 of the model's 8 features, which would be scored against padding
    const seven = `customer_id,${features.slice(0, 7).join(',')}\nc1,${'0.5,'.repeat(6)}0.5\n`;
    await fake.store.putObject('data', 'f/seven.csv', seven);
    // Act
    const error = await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/f/seven.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('featureColumnsUri');
    expect((error as Error).message).toMatch(/7 .*8|8 .*7/);
    expect(
      fake.s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key?.endsWith('.csv')),
    ).toHaveLength(0);
  });

  it('stages its part under the run prefix and leaves the committed partition byte for byte', async () => {
    // Prepare: a committed earlier run on the same dt
    const committed = {
      'scores/dt=2024-01-01/_SUCCESS': '',
      'scores/dt=2024-01-01/_manifest.json': '{"status":"COMPLETE"}',
      'scores/dt=2024-01-01/part-00000-0a1b2c3d.csv': 'id,score\nold,0.5\n',
    };
    for (const [key, body] of Object.entries(committed)) await fake.store.putObject('data', key, body);
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    // Act
    await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    );
    // Assess
    for (const [key, body] of Object.entries(committed)) expect(await fake.text('data', key)).toBe(body);
    expect(fake.s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
    const written = fake.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(written).toEqual(['scores/_staging/score-1/dt=2024-01-01/part-00000.csv']);
  });

  it('deletes no marker that is not there (no delete markers pile up in the versioned bucket)', async () => {
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    );
    expect(fake.s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });

  it('names the line of a JSON Lines row that is not an object', async () => {
    const good = { customer_id: 'a', ...Object.fromEntries(features.map((f) => [f, 1])) };
    await fake.store.putObject('data', 'f/bad.jsonl', `${JSON.stringify(good)}\n[1,2]\n`);
    const error = await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/f/bad.jsonl', format: 'json' }],
        BatchInput: batchInput,
      },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonLinesFormatError);
    expect((error as Error).message).toContain('line 2');
  });

  it('fails with ModelFormatError naming the artifact when it is not a model', async () => {
    await fake.store.putObject('artifacts', 'models/m/model.xgboost-model', 'not a model');
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    const error = await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toContain(batchInput.modelUri);
  });

  it('reports throttled reads as a TransientError', async () => {
    await fake.store.putObject('data', 'features/s/part-0.csv', table);
    fake.s3.on(GetObjectCommand).rejects(throttling());
    await expect(
      handler(
        {
          Items: [{ shardId: '00000', source: 's3://data/features/s/part-0.csv', format: 'csv' }],
          BatchInput: batchInput,
        },
        context,
      ),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects a malformed item, naming its index and field', async () => {
    const error = await handler(
      { Items: [{ shardId: '7', source: 's3://d/x', format: 'csv' }], BatchInput: batchInput },
      context,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('Items[0].shardId');
  });
});
