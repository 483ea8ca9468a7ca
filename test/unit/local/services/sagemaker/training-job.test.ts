import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StatesError } from '../../../../../local/asl/errors';
import { MemoryObjectStore } from '../../../../../local/services/object-store';
import { createSageMakerService } from '../../../../../local/services/sagemaker/service';
import { gunzip, loadModel, readTar } from '../../../../../shared/model';

const SYNC = 'arn:aws:states:::sagemaker:createTrainingJob.sync';

interface Described {
  TrainingJobStatus: string;
  SecondaryStatus: string;
  TrainingJobArn: string;
  CreationTime: unknown;
  HyperParameters: unknown;
  ModelArtifacts: { S3ModelArtifacts: string };
  FinalMetricDataList: Array<{ MetricName: string }>;
  SecondaryStatusTransitions: Array<{ Status: string }>;
}

function setup() {
  const store = new MemoryObjectStore();
  const stateDir = mkdtempSync(join(tmpdir(), 'sm-train-'));
  const service = createSageMakerService({ store, stateDir, backend: 'embedded' });
  return { store, service, stateDir };
}

function csvRows(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = (i * 37) % 100;
    const y = (i * 11) % 7;
    lines.push(`${x > 50 ? 1 : 0},${x},${y}`);
  }
  return `${lines.join('\n')}\n`;
}

function request(name: string, hyperparameters: Record<string, string>, contentType = 'text/csv') {
  return {
    TrainingJobName: name,
    RoleArn: 'arn:aws:iam::000000000000:role/sm',
    AlgorithmSpecification: {
      TrainingImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
      TrainingInputMode: 'File',
    },
    HyperParameters: hyperparameters,
    InputDataConfig: [
      {
        ChannelName: 'train',
        ContentType: contentType,
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/train/' } },
      },
      {
        ChannelName: 'validation',
        ContentType: contentType,
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/validation/' } },
      },
    ],
    OutputDataConfig: { S3OutputPath: 's3://artifacts/models' },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

async function failureOf(promise: Promise<unknown>): Promise<StatesError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error('the task did not fail');
}

describe('createTrainingJob.sync', () => {
  it('trains on every object under the prefix and writes model.tar.gz where SageMaker does', async () => {
    // Prepare
    const { store, service } = setup();
    await store.putObject('data', 'train/part-0.csv', csvRows(120));
    await store.putObject('data', 'train/part-1.csv', csvRows(80));
    await store.putObject('data', 'train/_SUCCESS', '');
    await store.putObject('data', 'validation/part-0.csv', csvRows(50));
    // Act
    const result = (await service.resources[SYNC]!(
      request('sm-run-1', { num_round: '5', objective: 'binary:logistic', eval_metric: 'auc' }),
    )) as Described;
    // Assess
    expect(result.TrainingJobStatus).toBe('Completed');
    expect(result.SecondaryStatus).toBe('Completed');
    expect(result.ModelArtifacts.S3ModelArtifacts).toBe('s3://artifacts/models/sm-run-1/output/model.tar.gz');
    expect(result.TrainingJobArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:training-job/sm-run-1');
    expect(typeof result.CreationTime).toBe('number');
    expect(result.FinalMetricDataList.map((m) => m.MetricName)).toEqual(['train:auc', 'validation:auc']);
    const archive = await store.getObject('artifacts', 'models/sm-run-1/output/model.tar.gz');
    const entries = readTar(gunzip(archive));
    expect(entries.map((e) => e.name)).toEqual(['xgboost-model']);
    expect(loadModel(archive).numFeature).toBe(2);
  });

  it('fails the task with States.TaskFailed and the container reason when num_round is missing', async () => {
    const { store, service } = setup();
    await store.putObject('data', 'train/a.csv', csvRows(20));
    await store.putObject('data', 'validation/a.csv', csvRows(20));
    const error = await failureOf(service.resources[SYNC]!(request('sm-bad-hp', { max_depth: '3' })));
    expect(error.error).toBe('States.TaskFailed');
    const cause = JSON.parse(error.cause ?? '{}');
    expect(cause.TrainingJobStatus).toBe('Failed');
    expect(cause.FailureReason).toBe('ClientError: Missing required hyperparameter: num_round');
  });

  it('fails the job with a ClientError naming the file and line of a malformed CSV channel', async () => {
    const { store, service } = setup();
    await store.putObject('data', 'train/a.csv', '1,2,3\n0,abc,4\n');
    await store.putObject('data', 'validation/a.csv', csvRows(10));
    const error = await failureOf(service.resources[SYNC]!(request('sm-bad-csv', { num_round: '2' })));
    const cause = JSON.parse(error.cause ?? '{}');
    expect(cause.FailureReason).toMatch(/^ClientError: Failed to load csv data with exception:\n/);
    expect(cause.FailureReason).toContain('train/a.csv');
    expect(cause.FailureReason).toContain('line 2');
  });

  it('fails the job when the train prefix holds no objects', async () => {
    const { store, service } = setup();
    store.createBucket('data');
    const error = await failureOf(service.resources[SYNC]!(request('sm-empty', { num_round: '2' })));
    expect(JSON.parse(error.cause ?? '{}').FailureReason).toMatch(
      /^ClientError: No data in train channel path s3:\/\/data\/train\//,
    );
  });

  it('fails the job with a download error when the bucket does not exist', async () => {
    const { service } = setup();
    const error = await failureOf(service.resources[SYNC]!(request('sm-nobucket', { num_round: '2' })));
    expect(JSON.parse(error.cause ?? '{}').FailureReason).toBe(
      'ClientError: Data download failed: The specified bucket does not exist: data',
    );
  });

  it('fails a multi-class job whose labels are outside [0, num_class)', async () => {
    const { store, service } = setup();
    await store.putObject('data', 'train/a.csv', '0,1\n1,2\n5,3\n');
    await store.putObject('data', 'validation/a.csv', '0,1\n');
    const error = await failureOf(
      service.resources[SYNC]!(
        request('sm-labels', { num_round: '2', objective: 'multi:softmax', num_class: '3' }),
      ),
    );
    expect(JSON.parse(error.cause ?? '{}').FailureReason).toMatch(
      /^ClientError: SoftmaxMultiClassObj: label must be in \[0, num_class\)/,
    );
  });

  it('refuses a second job with the same name as the API does', async () => {
    const { store, service } = setup();
    await store.putObject('data', 'train/a.csv', csvRows(20));
    await store.putObject('data', 'validation/a.csv', csvRows(20));
    await service.resources[SYNC]!(request('sm-twice', { num_round: '1' }));
    const error = await failureOf(service.resources[SYNC]!(request('sm-twice', { num_round: '1' })));
    expect(error.error).toBe('SageMaker.AmazonSageMakerException');
    expect(error.cause).toContain('Error Code: ResourceInUse');
  });

  it('returns the ARN at once without .sync and describes the job through the API', async () => {
    const { store, service } = setup();
    await store.putObject('data', 'train/a.csv', csvRows(20));
    await store.putObject('data', 'validation/a.csv', csvRows(20));
    const created = await service.resources['arn:aws:states:::sagemaker:createTrainingJob']!(
      request('sm-async', { num_round: '1' }),
    );
    await service.settled();
    const described = (await service.api('DescribeTrainingJob', {
      TrainingJobName: 'sm-async',
    })) as Described;
    expect(created).toEqual({ TrainingJobArn: described.TrainingJobArn });
    expect(described.TrainingJobStatus).toBe('Completed');
    expect(described.HyperParameters).toEqual({ num_round: '1' });
    expect(described.SecondaryStatusTransitions.map((t) => t.Status)).toEqual([
      'Starting',
      'Downloading',
      'Training',
      'Uploading',
      'Completed',
    ]);
  });
});
