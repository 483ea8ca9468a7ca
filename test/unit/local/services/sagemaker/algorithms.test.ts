import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../../../local/services/object-store';
import { createSageMakerService } from '../../../../../local/services/sagemaker/service';
import { algorithmImage, algorithmRows, loadAlgorithmModel } from '../../../../../shared/algorithms';
import { decodeRecordIO, encodeRecordIO, tensor, utf8Text } from '../../../../../shared/formats';
import { gunzip, readTar } from '../../../../../shared/model';
import { readNDArrayFile } from '../../../../../shared/model/ndarray';
import { readZip } from '../../../../../shared/model/zip';

const TRAIN = 'arn:aws:states:::sagemaker:createTrainingJob.sync';
const TRANSFORM = 'arn:aws:states:::sagemaker:createTransformJob.sync';
const CUSTOM_IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/nearest-centroid:1';
const SCRIPT = resolve(__dirname, '../../../../../examples/custom-algorithm/nearest-centroid.mjs');

function setup() {
  const store = new MemoryObjectStore();
  const service = createSageMakerService({
    store,
    stateDir: mkdtempSync(join(tmpdir(), 'sm-algo-')),
    customImages: { [CUSTOM_IMAGE]: [process.execPath, SCRIPT] },
  });
  return { store, service };
}

/** Three blobs in 3-D, rows `i` with label i % 2 (for Linear Learner: x0 + x1 > 0). */
function rows(n: number): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const jitter = ((i * 7919) % 97) / 97 - 0.5;
    x.push([c * 5 + jitter, -c * 3 + ((i * 31) % 11) / 11, jitter * 2]);
    y.push(x[i]![0]! + x[i]![1]! > 1.5 ? 1 : 0);
  }
  return { x, y };
}

function recordio(x: number[][], y?: number[]): Uint8Array {
  return encodeRecordIO(
    x.map((features, i) => ({
      features: { values: tensor('float32', features) },
      ...(y === undefined ? {} : { label: { values: tensor('float32', [y[i]!]) } }),
    })),
  );
}

function trainingRequest(
  name: string,
  image: string,
  hp: Record<string, string>,
  contentType = 'application/x-recordio-protobuf',
) {
  return {
    TrainingJobName: name,
    RoleArn: 'arn:aws:iam::000000000000:role/sm',
    AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
    HyperParameters: hp,
    InputDataConfig: [
      {
        ChannelName: 'train',
        ContentType: contentType,
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } },
      },
    ],
    OutputDataConfig: { S3OutputPath: 's3://artifacts/models/' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

async function trainAndTransform(
  image: string,
  hp: Record<string, string>,
  accept: string | undefined,
  options: { supervised?: boolean; contentType?: string; trainBody?: Uint8Array | string } = {},
) {
  const { store, service } = setup();
  const { x, y } = rows(300);
  await store.putObject(
    'data',
    'train/part-0',
    options.trainBody ?? recordio(x, options.supervised === true ? y : undefined),
  );
  const name = `job-${Math.random().toString(36).slice(2, 8)}`;
  const job = (await service.resources[TRAIN]!(trainingRequest(name, image, hp, options.contentType))) as {
    TrainingJobStatus: string;
    ModelArtifacts: { S3ModelArtifacts: string };
    FinalMetricDataList: Array<{ MetricName: string; Value: number }>;
  };
  const artifact = await store.getObject('artifacts', `models/${name}/output/model.tar.gz`);
  await service.resources['arn:aws:states:::sagemaker:createModel']!({
    ModelName: name,
    ExecutionRoleArn: 'arn:aws:iam::000000000000:role/sm',
    PrimaryContainer: { Image: image, ModelDataUrl: job.ModelArtifacts.S3ModelArtifacts },
  });
  const test = `${x
    .slice(0, 7)
    .map((r) => r.join(','))
    .join('\n')}\n`;
  await store.putObject('data', 'test/part-0.csv', test);
  await service.resources[TRANSFORM]!({
    TransformJobName: `${name}-tf`,
    ModelName: name,
    MaxPayloadInMB: 1,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/test/' } },
      ContentType: 'text/csv',
      SplitType: 'Line',
    },
    TransformOutput: {
      S3OutputPath: 's3://data/out/',
      AssembleWith: 'Line',
      ...(accept === undefined ? {} : { Accept: accept }),
    },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
  });
  const out = await store.getObject('data', 'out/part-0.csv.out');
  return { job, artifact, out, test };
}

/** What the Lambda scorer writes for the same input: must equal the batch-transform output. */
function lambdaScore(artifact: Uint8Array, test: string, accept: string | undefined): string | Uint8Array {
  const model = loadAlgorithmModel(artifact);
  const { x, rows: n } = algorithmRows(new TextEncoder().encode(test), 'text/csv', model.numFeature);
  return model.formatBatch(model.score(x, n), accept);
}

describe('built-in algorithms in the local SageMaker', () => {
  it('trains KMeans from RecordIO-protobuf into one (k, feature_dim) NDArray and batch-transforms to closest_cluster,distance_to_cluster', async () => {
    // Act
    const { job, artifact, out, test } = await trainAndTransform(
      algorithmImage('kmeans', 'us-east-1'),
      { k: '3', feature_dim: '3', init_method: 'kmeans++' },
      'text/csv',
    );
    // Assess
    expect(job.TrainingJobStatus).toBe('Completed');
    const members = readTar(gunzip(artifact));
    expect(members.map((m) => m.name)).toEqual(['model_algo-1']);
    const file = readNDArrayFile(members[0]!.data);
    expect(file.names).toBeUndefined();
    expect(file.arrays.map((a) => [a.shape, a.dtype])).toEqual([[[3, 3], 'float32']]);
    const text = utf8Text(out);
    expect(text).toMatch(/^([0-2]\.0,\d+\.\d+(e-\d+)?\n){7}$/);
    expect(text).toBe(lambdaScore(artifact, test, 'text/csv'));
    expect(
      new Set(
        text
          .split('\n')
          .slice(0, 3)
          .map((l) => l.split(',')[0]),
      ).size,
    ).toBe(3);
    expect(job.FinalMetricDataList.map((m) => m.MetricName)).toContain('train:msd');
  });

  it('trains PCA into the s, v, mean dict and answers JSON Lines projections', async () => {
    // Act
    const { job, artifact, out, test } = await trainAndTransform(
      algorithmImage('pca', 'eu-west-1'),
      { num_components: '2', feature_dim: '3', mini_batch_size: '100' },
      'application/jsonlines',
    );
    // Assess
    expect(job.TrainingJobStatus).toBe('Completed');
    const file = readNDArrayFile(readTar(gunzip(artifact))[0]!.data);
    expect(file.names).toEqual(['s', 'v', 'mean']);
    expect(file.arrays.map((a) => a.shape)).toEqual([[2], [3, 2], [1, 3]]);
    expect(file.arrays[0]!.data[0]!).toBeLessThan(file.arrays[0]!.data[1]!);
    expect(utf8Text(out)).toMatch(/^(\{"projection": \[-?\d\S*, -?\d\S*\]\}\n){7}$/);
    expect(utf8Text(out)).toBe(lambdaScore(artifact, test, 'application/jsonlines'));
  });

  it('trains a Linear Learner binary classifier into the zipped MXNet module and answers score and predicted_label', async () => {
    // Act
    const { job, artifact, out, test } = await trainAndTransform(
      algorithmImage('linear-learner', 'us-west-2'),
      { predictor_type: 'binary_classifier', feature_dim: '3', mini_batch_size: '50', epochs: '20' },
      'application/jsonlines',
      { supervised: true },
    );
    // Assess
    expect(job.TrainingJobStatus).toBe('Completed');
    const zip = readZip(readTar(gunzip(artifact))[0]!.data);
    expect(zip.map((e) => e.name)).toEqual([
      'mx-mod-symbol.json',
      'mx-mod-0000.params',
      'manifest.json',
      'additional-params.json',
    ]);
    const params = readNDArrayFile(zip[1]!.data);
    expect(params.names).toEqual(['arg:fc0_weight', 'arg:fc0_bias']);
    expect(params.arrays.map((a) => a.shape)).toEqual([
      [3, 1],
      [1, 1],
    ]);
    expect(JSON.parse(utf8Text(zip[2]!.data))).toEqual({
      'additional-params.json': 'json',
      'mx-mod': 'mxnet_module',
      version: 1,
    });
    expect(JSON.parse(utf8Text(zip[3]!.data))).toMatchObject({
      loss_type: 'logistic',
      predictor_type: 'binary_classifier',
    });
    expect(utf8Text(out)).toMatch(/^(\{"score": \d\S*, "predicted_label": [01]\}\n){7}$/);
    expect(utf8Text(out)).toBe(lambdaScore(artifact, test, 'application/jsonlines'));
    const accuracy = job.FinalMetricDataList.find(
      (m) => m.MetricName === 'train:binary_classification_accuracy',
    );
    expect(accuracy?.Value).toBeGreaterThan(0.95);
  });

  it('answers RecordIO-protobuf records with the label keys the Spark deserializers read', async () => {
    // Act
    const { out } = await trainAndTransform(
      algorithmImage('kmeans', 'us-east-1'),
      { k: '2', feature_dim: '3' },
      'application/x-recordio-protobuf',
    );
    // Assess
    const records = decodeRecordIO(out);
    expect(records).toHaveLength(7);
    for (const record of records)
      expect([...record.label.keys()]).toEqual(['closest_cluster', 'distance_to_cluster']);
  });

  it('fails the job with the container reason for bad hyperparameters and unlabeled supervised data', async () => {
    // Prepare
    const { store, service } = setup();
    await store.putObject('data', 'train/part-0', recordio([[1, 2, 3]]));
    // Act
    const missing = await service.resources[TRAIN]!(
      trainingRequest('bad-hp', algorithmImage('kmeans', 'us-east-1'), { k: '2' }),
    ).catch((error: { cause?: string }) => JSON.parse(String(error.cause)) as { FailureReason: string });
    const unlabeled = await service.resources[TRAIN]!(
      trainingRequest('no-label', algorithmImage('linear-learner', 'us-east-1'), {
        predictor_type: 'regressor',
      }),
    ).catch((error: { cause?: string }) => JSON.parse(String(error.cause)) as { FailureReason: string });
    // Assess
    expect((missing as { FailureReason: string }).FailureReason).toBe(
      "ClientError: No value(s) were specified for 'feature_dim' which are required hyperparameter(s) (caused by ValidationError)",
    );
    expect((unlabeled as { FailureReason: string }).FailureReason).toMatch(/^ClientError: .*has no label/s);
  });
});

describe('custom containers in the local SageMaker', () => {
  it('runs the mapped command with train under the container contract and serve for batch transform', async () => {
    // Prepare
    const { x, y } = rows(120);
    const csv = `${x.map((r, i) => `${y[i]},${r.join(',')}`).join('\n')}\n`;
    // Act
    const { job, artifact, out } = await trainAndTransform(CUSTOM_IMAGE, { shrinkage: '0.1' }, 'text/csv', {
      contentType: 'text/csv',
      trainBody: csv,
    });
    // Assess
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(readTar(gunzip(artifact)).map((m) => m.name)).toEqual(['model.json']);
    expect(job.FinalMetricDataList).toEqual([
      expect.objectContaining({ MetricName: 'train:rows', Value: 120 }),
    ]);
    const scores = utf8Text(out).trimEnd().split('\n').map(Number);
    expect(scores).toHaveLength(7);
    for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('fails the job with the contents of output/failure when the command exits non-zero', async () => {
    // Prepare
    const { store, service } = setup();
    await store.putObject('data', 'train/part-0.csv', '1,2,3\n0,1,oops\n');
    // Act
    const failed = await service.resources[TRAIN]!(
      trainingRequest('custom-bad', CUSTOM_IMAGE, {}, 'text/csv'),
    ).catch(
      (error: { cause?: string }) =>
        JSON.parse(String(error.cause)) as { FailureReason: string; TrainingJobStatus: string },
    );
    // Assess
    expect(failed).toMatchObject({
      TrainingJobStatus: 'Failed',
      FailureReason: "ClientError: part-0.csv line 2: expected numbers, got '0,1,oops'",
    });
  });
});
