import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
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
import { runTag } from '../../../shared/partitions';
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
      outputKey: staged(shardId),
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
  for (const id of parts) await fake.store.putObject('data', staged(id), `id,score\n${id},0.5\n`);
}

/** Where score-shard stages a part of run score-1. */
const staged = (id: string) => `scores/_staging/score-1/dt=2024-01-01/part-${id}.csv`;
/** Where commit-scores puts it: a name of this run's own. */
const committed = (id: string) => `scores/dt=2024-01-01/part-${id}-${runTag('score-1')}.csv`;

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
    expect(manifest.shards.map((s: { outputKey: string }) => s.outputKey)).toEqual(
      ['00000', '00001', '00002', '00003'].map(committed),
    );
    expect(await fake.text('data', committed('00002'))).toBe('id,score\n00002,0.5\n');
    const staging = await fake.store.listObjects('data', { prefix: 'scores/_staging/' });
    expect(staging.objects).toEqual([]);
  });

  it('writes the new manifest before _SUCCESS, and removes the replaced parts only after both', async () => {
    // Prepare: a committed earlier run
    await fake.store.putObject('data', 'scores/dt=2024-01-01/part-00000-0a1b2c3d.csv', 'id,score\nold,1\n');
    await seed([child('SUCCEEDED', ['00000'], 1)], [], ['00000']);
    // Act
    await handler({ ...request, shards: 1 }, context);
    // Assess: the order of the writes and deletes that change what the partition means
    const order = fake.s3
      .calls()
      .map((c) => c.args[0])
      .filter(
        (c) =>
          c instanceof PutObjectCommand || c instanceof DeleteObjectCommand || c instanceof CopyObjectCommand,
      )
      .map((c) => `${c.constructor.name.replace('ObjectCommand', '')} ${(c.input as { Key: string }).Key}`);
    expect(order).toEqual([
      `Copy ${committed('00000')}`,
      'Put scores/dt=2024-01-01/_manifest.json',
      'Put scores/dt=2024-01-01/_SUCCESS',
      'Delete scores/dt=2024-01-01/part-00000-0a1b2c3d.csv',
      `Delete ${staged('00000')}`,
    ]);
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
      await fake.store.putObject('data', `scores/dt=2024-01-01/part-${id}-0a1b2c3d.csv`, 'id,score\nold,1\n');
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
      ...['00000', '00001', '00002', '00003'].map(committed),
    ]);
  });

  it('commits no part of a failed shard, so a partial partition holds only this run', async () => {
    await seed(
      [child('SUCCEEDED', ['00000', '00001'], 1)],
      [child('FAILED', ['00002', '00003'], 0)],
      ['00000', '00001', '00002'],
    );
    const result = await handler(request, context);
    expect(result.failedShards).toEqual(['00002', '00003']);
    expect(await fake.store.headObject('data', committed('00002'))).toBeUndefined();
    expect(await fake.store.headObject('data', committed('00000'))).toBeDefined();
    expect(await fake.store.headObject('data', staged('00002'))).toBeUndefined();
  });

  it('leaves objects in the partition that are not part files alone', async () => {
    await fake.store.putObject('data', 'scores/dt=2024-01-01/README.txt', 'notes');
    await fake.store.putObject('data', 'scores/dt=2024-01-02/part-00009.csv', 'other day');
    await seed([child('SUCCEEDED', ['00000'], 1)], [], ['00000']);
    await handler({ ...request, shards: 1 }, context);
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-01/README.txt')).toBeDefined();
    expect(await fake.store.headObject('data', 'scores/dt=2024-01-02/part-00009.csv')).toBeDefined();
  });

  it('gives the same commit when retried after its staging was partly removed', async () => {
    // Prepare: a commit that ran to the end, then a retry of the same request (Lambda retries it
    // when the first attempt's answer was lost), with one staged part put back as if not yet removed
    await seed(
      [child('SUCCEEDED', ['00000', '00001', '00002', '00003'], 2)],
      [],
      ['00000', '00001', '00002', '00003'],
    );
    const first = await handler(request, context);
    const manifestBefore = JSON.parse(await fake.text('data', 'scores/dt=2024-01-01/_manifest.json'));
    await fake.store.putObject('data', staged('00001'), 'id,score\n00001,0.5\n');
    // Act
    const second = await handler(request, context);
    // Assess
    expect(first).toMatchObject({ status: 'COMPLETE', rows: 8 });
    expect(second).toEqual(first);
    const manifestAfter = JSON.parse(await fake.text('data', 'scores/dt=2024-01-01/_manifest.json'));
    expect(manifestAfter.shards).toEqual(manifestBefore.shards);
  });

  it('reads COMPACT result files whose records are the bare outputs', async () => {
    const outputs = [{ shards: [{ shardId: '00000', rows: 3, outputKey: staged('00000') }] }];
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

describe('commit-scores output location', () => {
  it('refuses an outputUri with a dot segment before reading or deleting anything, naming the field', async () => {
    fake = fakeS3();
    const error = await handler({ ...request, outputUri: 's3://data/scores/../incoming/' }, context).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('outputUri');
    expect(fake.s3.commandCalls(DeleteObjectCommand)).toHaveLength(0);
  });
});
