import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackagesCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
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

import { handler as register } from '../../../functions/register-model';
import { handler as resolve } from '../../../functions/resolve-model';
import { InputValidationError, ModelNotFoundError, TransientError } from '../../../shared/errors';
import { lambdaContext } from './context';

const sm = mockClient(SageMakerClient);
const context = lambdaContext('registry');

function validation(message: string): Error {
  return Object.assign(new Error(message), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400 },
  });
}

const registration = {
  modelPackageGroup: 'churn',
  approvalStatus: 'Approved',
  modelDataUrl: 's3://artifacts/models/train-1/output/model.tar.gz',
  image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
  metrics: { count: 150, auc: 0.91, logloss: 0.3 },
  runId: 'train-1',
  featureColumnsUri: 's3://data/training/train-1/feature-columns.json',
};

describe('register-model', () => {
  beforeEach(() => sm.reset());

  it('creates the group on first use and registers the package with its metadata', async () => {
    sm.on(DescribeModelPackageGroupCommand).rejects(validation('ModelPackageGroup churn does not exist.'));
    sm.on(CreateModelPackageGroupCommand).resolves({ ModelPackageGroupArn: 'arn:group' });
    sm.on(CreateModelPackageCommand).resolves({ ModelPackageArn: 'arn:pkg/churn/1' });
    const result = await register(registration, context);
    expect(result).toEqual({ modelPackageArn: 'arn:pkg/churn/1' });
    expect(sm.commandCalls(CreateModelPackageGroupCommand)).toHaveLength(1);
    const input = sm.commandCalls(CreateModelPackageCommand)[0]?.args[0].input;
    expect(input?.ModelApprovalStatus).toBe('Approved');
    expect(input?.ClientToken).toMatch(/^[0-9a-f]{36}$/);
    expect(input?.InferenceSpecification?.Containers?.[0]).toEqual({
      Image: registration.image,
      ModelDataUrl: registration.modelDataUrl,
    });
    expect(input?.CustomerMetadataProperties).toMatchObject({
      runId: 'train-1',
      featureColumnsUri: registration.featureColumnsUri,
      'metric:auc': '0.91',
    });
  });

  it('registers a retried run with the same idempotency token, and another run with another', async () => {
    sm.on(DescribeModelPackageGroupCommand).resolves({ ModelPackageGroupName: 'churn' });
    sm.on(CreateModelPackageCommand).resolves({ ModelPackageArn: 'arn:pkg/churn/1' });
    const long = `train_${'x'.repeat(40)}`;
    await register({ ...registration, runId: `${long}-a` }, context);
    await register({ ...registration, runId: `${long}-a` }, context);
    await register({ ...registration, runId: `${long}-b` }, context);
    const tokens = sm.commandCalls(CreateModelPackageCommand).map((c) => c.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
    for (const token of tokens) expect(token).toMatch(/^[a-zA-Z0-9-]{1,36}$/);
  });

  it('leaves an existing group alone', async () => {
    sm.on(DescribeModelPackageGroupCommand).resolves({ ModelPackageGroupName: 'churn' });
    sm.on(CreateModelPackageCommand).resolves({ ModelPackageArn: 'arn:pkg/churn/2' });
    await register(registration, context);
    expect(sm.commandCalls(CreateModelPackageGroupCommand)).toHaveLength(0);
  });

  it('treats a group created concurrently by another run as existing', async () => {
    sm.on(DescribeModelPackageGroupCommand).rejects(validation('ModelPackageGroup churn does not exist.'));
    sm.on(CreateModelPackageGroupCommand).rejects(validation('Model Package Group already exists: churn'));
    sm.on(CreateModelPackageCommand).resolves({ ModelPackageArn: 'arn:pkg/churn/3' });
    await expect(register(registration, context)).resolves.toEqual({ modelPackageArn: 'arn:pkg/churn/3' });
  });

  it('reports SageMaker throttling as a TransientError', async () => {
    sm.on(DescribeModelPackageGroupCommand).resolves({});
    sm.on(CreateModelPackageCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(register(registration, context)).rejects.toBeInstanceOf(TransientError);
  });

  it('rejects a metric that is not a number, naming the field', async () => {
    const error = await register({ ...registration, metrics: { auc: 'high' } }, context).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('metrics.auc');
  });
});

describe('resolve-model', () => {
  beforeEach(() => sm.reset());

  it('returns a given model URI as is without calling SageMaker', async () => {
    const result = await resolve({ model: { uri: 's3://artifacts/m/model.tar.gz' } }, context);
    expect(result).toEqual({ modelUri: 's3://artifacts/m/model.tar.gz' });
    expect(sm.calls()).toHaveLength(0);
  });

  it('passes the feature column list given with a model URI on to the scoring shards', async () => {
    const result = await resolve(
      { model: { uri: 's3://artifacts/m/model.tar.gz', featureColumnsUri: 's3://data/cols.json' } },
      context,
    );
    expect(result).toEqual({
      modelUri: 's3://artifacts/m/model.tar.gz',
      featureColumnsUri: 's3://data/cols.json',
    });
    expect(sm.calls()).toHaveLength(0);
  });

  it('resolves the latest Approved package of a group with its feature columns', async () => {
    sm.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [
        {
          ModelPackageArn: 'arn:pkg/churn/7',
          ModelPackageStatus: 'Completed',
          CreationTime: new Date(),
          ModelPackageGroupName: 'churn',
        },
      ],
    });
    sm.on(DescribeModelPackageCommand).resolves({
      ModelPackageName: 'churn',
      ModelPackageArn: 'arn:pkg/churn/7',
      CreationTime: new Date(),
      ModelPackageStatus: 'Completed',
      InferenceSpecification: {
        Containers: [{ Image: 'img', ModelDataUrl: 's3://artifacts/models/7/model.tar.gz' }],
        SupportedContentTypes: [],
        SupportedResponseMIMETypes: [],
      },
      CustomerMetadataProperties: { featureColumnsUri: 's3://data/cols.json' },
    });
    const result = await resolve({ model: { modelPackageGroup: 'churn' } }, context);
    expect(result).toEqual({
      modelUri: 's3://artifacts/models/7/model.tar.gz',
      featureColumnsUri: 's3://data/cols.json',
      modelPackageArn: 'arn:pkg/churn/7',
    });
    expect(sm.commandCalls(ListModelPackagesCommand)[0]?.args[0].input).toMatchObject({
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
    });
  });

  it('fails with ModelNotFoundError when no package is approved', async () => {
    sm.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    await expect(resolve({ model: { modelPackageGroup: 'churn' } }, context)).rejects.toBeInstanceOf(
      ModelNotFoundError,
    );
  });

  it('fails with ModelNotFoundError when the group does not exist', async () => {
    sm.on(ListModelPackagesCommand).rejects(validation('Model Package Group nope does not exist.'));
    await expect(resolve({ model: { modelPackageGroup: 'nope' } }, context)).rejects.toBeInstanceOf(
      ModelNotFoundError,
    );
  });

  it('reports a throttled registry lookup as a TransientError', async () => {
    sm.on(ListModelPackagesCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(resolve({ model: { modelPackageGroup: 'churn' } }, context)).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('rejects a model that names neither a URI nor a group', async () => {
    const error = await resolve({ model: {} }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('model');
  });
});
