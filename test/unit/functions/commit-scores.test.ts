import { HeadObjectCommand } from '@aws-sdk/client-s3';
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

import { handler } from '../../../functions/commit-scores';
import { InputValidationError, JsonLinesFormatError, TransientError } from '../../../shared/errors';
import { lambdaContext } from './context';
import { fakeS3, throttling } from './s3-fake';

const context = lambdaContext('commit-scores');
let fake = fakeS3();
const prefix = 'map/score-1/0b8c-uuid';

/** A child execution record as ResultWriter writes it with Transformation NONE. */
function child(status: string, ids: string[], rowsEach: number): unknown {
  const input = {
    Items: ids.map((shardId) => ({ shardId, source: `s3://data/in/${shardId}.csv`, format: 'csv' })),
  };
  const output = {
    shards: ids.map((shardId) => ({
      shardId,
      rows: rowsEach,
      outputKey: `scores/dt=2024-01-01/part-${shardId}.csv`,
    })),
  };
  return {
    ExecutionArn: `arn:aws:states:us-east-1:0:execution:sm/map:${ids.join('-')}`,
    Name: ids.join('-'),
    Status: status,
    Input: JSON.stringify(input),
    Output: status === 'SUCCEEDED' ? JSON.stringify(output) : undefined,
    ...(status === 'FAILED' ? { Error: 'ModelFormatError', Cause: 'bad model' } : {}),
  };
}

async function seed(succeeded: unknown[], failed: unknown[], parts: string[]): Promise<void> {
  await fake.store.putObject('artifacts', `${prefix}/SUCCEEDED_0.json`, JSON.stringify(succeeded));
  const files: Record<string, { Key: string; Size: number }[]> = {
    SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 1 }],
  };
  if (failed.length > 0) {
    await fake.store.putObject('artifacts', `${prefix}/FAILED_0.json`, JSON.stringify(failed));
    files.FAILED = [{ Key: `${prefix}/FAILED_0.json`, Size: 1 }];
  }
  await fake.store.putObject(
    'artifacts',
    `${prefix}/manifest.json`,
    JSON.stringify({ DestinationBucket: 'artifacts', MapRunArn: 'arn:maprun', ResultFiles: files }),
  );
  for (const id of parts)
    await fake.store.putObject('data', `scores/dt=2024-01-01/part-${id}.csv`, 'id,score\n');
}

const request = {
  runId: 'score-1',
  outputUri: 's3://data/scores/',
  dt: '2024-01-01',
  resultWriterDetails: { Bucket: 'artifacts', Key: `${prefix}/manifest.json` },
  shards: 4,
};

describe('commit-scores', () => {
  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
  });

  it('writes the run manifest and _SUCCESS when every shard succeeded and its part exists', async () => {
    await seed(
      [child('SUCCEEDED', ['00000', '00001'], 10), child('SUCCEEDED', ['00002', '00003'], 5)],
      [],
      ['00000', '00001', '00002', '00003'],
    );
    const result = await handler(request, context);
    expect(result).toEqual({
      status: 'COMPLETE',
      rows: 30,
      failedShards: [],
      manifestUri: 's3://data/scores/dt=2024-01-01/_manifest.json',
    });
    const manifest = JSON.parse(await fake.text('data', 'scores/dt=2024-01-01/_manifest.json'));
    expect(manifest.shards.map((s: { shardId: string }) => s.shardId)).toEqual([
      '00000',
      '00001',
      '00002',
      '00003',
    ]);
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/_SUCCESS')).toBeDefined();
  });

  it('lists the failed shards of a partial run and writes no _SUCCESS', async () => {
    await seed(
      [child('SUCCEEDED', ['00000', '00001'], 10)],
      [child('FAILED', ['00002', '00003'], 0)],
      ['00000', '00001'],
    );
    const result = await handler(request, context);
    expect(result.status).toBe('PARTIAL');
    expect(result.rows).toBe(20);
    expect(result.failedShards).toEqual(['00002', '00003']);
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/_SUCCESS')).toBeUndefined();
    const manifest = JSON.parse(await fake.text('data', 'scores/dt=2024-01-01/_manifest.json'));
    expect(manifest.failedShards).toEqual(['00002', '00003']);
  });

  it('counts a shard whose part file is missing as failed even if its child reported success', async () => {
    await seed(
      [child('SUCCEEDED', ['00000', '00001', '00002', '00003'], 1)],
      [],
      ['00000', '00001', '00003'],
    );
    const result = await handler(request, context);
    expect(result.failedShards).toEqual(['00002']);
  });

  it('counts a planned shard absent from every result file as failed', async () => {
    await seed([child('SUCCEEDED', ['00000', '00001', '00002'], 1)], [], ['00000', '00001', '00002']);
    const result = await handler(request, context);
    expect(result.failedShards).toEqual(['00003']);
  });

  it('removes a stale _SUCCESS when a re-commit finds the run incomplete', async () => {
    await seed([child('SUCCEEDED', ['00000'], 1)], [], ['00000']);
    await fake.store.putObject('data', 'scores/dt=2024-01-01/_SUCCESS', '');
    await handler(request, context);
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/_SUCCESS')).toBeUndefined();
  });

  it('removes the part files of an earlier run with more shards before writing _SUCCESS', async () => {
    // Prepare: an earlier run wrote 6 parts; this run planned and wrote 4
    for (const id of ['00004', '00005'])
      await fake.store.putObject('data', `scores/dt=2024-01-01/part-${id}.csv`, 'id,score\nold,1\n');
    await seed(
      [child('SUCCEEDED', ['00000', '00001', '00002', '00003'], 1)],
      [],
      ['00000', '00001', '00002', '00003'],
    );
    // Act
    const result = await handler(request, context);
    // Assess
    expect(result.status).toBe('COMPLETE');
    const page = await fake.store.listObjects('data', { prefix: 'scores/dt=2024-01-01/', maxKeys: 100 });
    expect(page.objects.map((o) => o.key).sort()).toEqual([
      'scores/dt=2024-01-01/_SUCCESS',
      'scores/dt=2024-01-01/_manifest.json',
      'scores/dt=2024-01-01/part-00000.csv',
      'scores/dt=2024-01-01/part-00001.csv',
      'scores/dt=2024-01-01/part-00002.csv',
      'scores/dt=2024-01-01/part-00003.csv',
    ]);
  });

  it('removes the stale part of a failed shard too, so a partial partition holds only this run', async () => {
    await seed(
      [child('SUCCEEDED', ['00000', '00001'], 1)],
      [child('FAILED', ['00002', '00003'], 0)],
      ['00000', '00001', '00002'],
    );
    const result = await handler(request, context);
    expect(result.failedShards).toEqual(['00002', '00003']);
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/part-00002.csv')).toBeUndefined();
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/part-00000.csv')).toBeDefined();
  });

  it('leaves objects in the partition that are not part files alone', async () => {
    await fake.store.putObject('data', 'scores/dt=2024-01-01/README.txt', 'notes');
    await fake.store.putObject('data', 'scores/dt=2024-01-02/part-00009.csv', 'other day');
    await seed([child('SUCCEEDED', ['00000'], 1)], [], ['00000']);
    await handler({ ...request, shards: 1 }, context);
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/README.txt')).toBeDefined();
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-02/part-00009.csv')).toBeDefined();
  });

  it('completes after a redrive re-runs the failed shards', async () => {
    await seed(
      [child('SUCCEEDED', ['00000', '00001'], 2)],
      [child('FAILED', ['00002', '00003'], 0)],
      ['00000', '00001'],
    );
    const first = await handler(request, context);
    await seed(
      [child('SUCCEEDED', ['00000', '00001'], 2), child('SUCCEEDED', ['00002', '00003'], 2)],
      [],
      ['00002', '00003'],
    );
    const second = await handler(request, context);
    expect(first.status).toBe('PARTIAL');
    expect(second).toMatchObject({ status: 'COMPLETE', rows: 8, failedShards: [] });
  });

  it('reads COMPACT result files whose records are the bare outputs', async () => {
    const outputs = [
      { shards: [{ shardId: '00000', rows: 3, outputKey: 'scores/dt=2024-01-01/part-00000.csv' }] },
    ];
    await seed(outputs, [], ['00000']);
    const result = await handler({ ...request, shards: 1 }, context);
    expect(result).toMatchObject({ status: 'COMPLETE', rows: 3 });
  });

  it('names the manifest when it is not JSON', async () => {
    await fake.store.putObject('artifacts', `${prefix}/manifest.json`, '{oops');
    const error = await handler(request, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonLinesFormatError);
    expect((error as Error).message).toContain(`s3://artifacts/${prefix}/manifest.json`);
  });

  it('reports throttled verification as a TransientError', async () => {
    await seed([child('SUCCEEDED', ['00000'], 1)], [], ['00000']);
    fake.s3.on(HeadObjectCommand).rejects(throttling());
    await expect(handler({ ...request, shards: 1 }, context)).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects a payload without resultWriterDetails.Key, naming the field', async () => {
    const error = await handler({ ...request, resultWriterDetails: { Bucket: 'artifacts' } }, context).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('resultWriterDetails.Key');
  });
});
