import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatesError } from '../../../../../local/asl/errors';
import { MemoryObjectStore } from '../../../../../local/services/object-store';
import { createModelTarGz } from '../../../../../local/services/sagemaker/artifact';
import { createSageMakerService } from '../../../../../local/services/sagemaker/service';
import { trainBooster } from '../../../../../local/services/sagemaker/xgboost/booster';
import { datasetFromRows } from '../../../../../local/services/sagemaker/xgboost/dataset';
import { validateHyperparameters } from '../../../../../local/services/sagemaker/xgboost/hyperparameters';
import { boosterToJson } from '../../../../../local/services/sagemaker/xgboost/model-json';
import { boosterParams } from '../../../../../local/services/sagemaker/xgboost/params';
import { encodeRecordIO, tensor, utf8Text } from '../../../../../shared/formats';
import { denseRows, formatBatchTransform, loadModel } from '../../../../../shared/model';

const SYNC = 'arn:aws:states:::sagemaker:createTransformJob.sync';

async function setup() {
  const store = new MemoryObjectStore();
  const service = createSageMakerService({
    store,
    stateDir: mkdtempSync(join(tmpdir(), 'sm-tf-')),
    backend: 'embedded',
  });
  const rows = Array.from({ length: 60 }, (_, i) => [i % 10, (i * 7) % 5]);
  const labels = rows.map(([a, b]) => (a! + b! > 6 ? 1 : 0));
  const model = trainBooster(
    datasetFromRows(rows, labels),
    undefined,
    boosterParams(validateHyperparameters({ num_round: '5', objective: 'binary:logistic', max_depth: '2' })),
  );
  const archive = createModelTarGz([{ name: 'xgboost-model', data: boosterToJson(model) }]);
  await store.putObject('artifacts', 'models/m/output/model.tar.gz', archive);
  await service.resources['arn:aws:states:::sagemaker:createModel']!({
    ModelName: 'sm-model',
    ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sm',
    PrimaryContainer: { Image: 'xgboost:1.7-1', ModelDataUrl: 's3://artifacts/models/m/output/model.tar.gz' },
  });
  const scorer = loadModel(archive);
  const expected = (features: number[][]): string[] =>
    formatBatchTransform(scorer.predict(denseRows(features, scorer.numFeature), features.length))
      .trimEnd()
      .split('\n');
  return { store, service, expected };
}

function transformRequest(name: string, extra: Record<string, unknown> = {}) {
  return {
    TransformJobName: name,
    ModelName: 'sm-model',
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/test/' } },
      ContentType: 'text/csv',
      SplitType: 'Line',
    },
    TransformOutput: { S3OutputPath: 's3://data/scores/', AssembleWith: 'Line' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    ...extra,
  };
}

describe('createTransformJob.sync', () => {
  it('joins each prediction to its labelled row and keeps label and prediction', async () => {
    // Prepare
    const { store, service, expected } = await setup();
    await store.putObject('data', 'test/part-0.csv', '1,8,3\n0,1,1\n1,,4\n');
    // Act
    const result = (await service.resources[SYNC]!(
      transformRequest('sm-join', {
        DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' },
      }),
    )) as Record<string, unknown>;
    // Assess
    const out = utf8Text(await store.getObject('data', 'scores/part-0.csv.out'));
    const predictions = expected([
      [8, 3],
      [1, 1],
      [Number.NaN, 4],
    ]);
    expect(result.TransformJobStatus).toBe('Completed');
    expect(out).toBe(`1,${predictions[0]}\n0,${predictions[1]}\n1,${predictions[2]}\n`);
  });

  it("writes the container's batch body for a whole object when SplitType is None", async () => {
    const { store, service, expected } = await setup();
    await store.putObject('data', 'test/a.csv', '8,3\n1,1\n');
    await service.resources[SYNC]!(
      transformRequest('sm-none', {
        TransformInput: { ...transformRequest('x').TransformInput, SplitType: 'None' },
      }),
    );
    expect(utf8Text(await store.getObject('data', 'scores/a.csv.out'))).toBe(
      `${expected([
        [8, 3],
        [1, 1],
      ]).join('\n')}\n`,
    );
  });

  it('splits RecordIO-protobuf input record by record', async () => {
    const { store, service, expected } = await setup();
    const body = encodeRecordIO([
      { features: { values: tensor('float32', [8, 3]) } },
      { features: { values: tensor('float32', [1, 1]) } },
    ]);
    await store.putObject('data', 'test/a.rec', body);
    await service.resources[SYNC]!(
      transformRequest('sm-rec', {
        BatchStrategy: 'SingleRecord',
        TransformInput: {
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/test/' } },
          ContentType: 'application/x-recordio-protobuf',
          SplitType: 'RecordIO',
        },
      }),
    );
    expect(utf8Text(await store.getObject('data', 'scores/a.rec.out'))).toBe(
      `${expected([
        [8, 3],
        [1, 1],
      ]).join('\n')}\n`,
    );
  });

  it('writes no output for a failing object, still writes the others, and fails the job', async () => {
    // Prepare
    const { store, service } = await setup();
    await store.putObject('data', 'test/good.csv', '8,3\n');
    await store.putObject('data', 'test/wide.csv', '1,2,3,4,5\n');
    // Act
    let error: unknown;
    try {
      await service.resources[SYNC]!(transformRequest('sm-fail'));
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(StatesError);
    const cause = JSON.parse((error as StatesError).cause ?? '{}');
    expect(cause.TransformJobStatus).toBe('Failed');
    expect(cause.FailureReason).toContain('s3://data/test/wide.csv');
    expect(await store.headObject('data', 'scores/good.csv.out')).toBeDefined();
    expect(await store.headObject('data', 'scores/wide.csv.out')).toBeUndefined();
  });

  it('batches records up to MaxPayloadInMB and refuses a record larger than that', async () => {
    const { store, service } = await setup();
    await store.putObject('data', 'test/big.csv', `${'1'.repeat(1024 * 1024 + 10)},1\n`);
    let error: unknown;
    try {
      await service.resources[SYNC]!(transformRequest('sm-big', { MaxPayloadInMB: 1 }));
    } catch (e) {
      error = e;
    }
    expect(JSON.parse((error as StatesError).cause ?? '{}').FailureReason).toMatch(
      /larger than MaxPayloadInMB allows/,
    );
  });

  it('refuses a transform job for a model that does not exist', async () => {
    const { service } = await setup();
    await expect(
      service.api('CreateTransformJob', { ...transformRequest('sm-nomodel'), ModelName: 'missing' }),
    ).rejects.toThrow(/Could not find model/);
  });
});
