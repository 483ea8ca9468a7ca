import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    DATA_BUCKET: 'sparkmaker-data',
    ARTIFACT_BUCKET: 'sparkmaker-artifacts',
    MODEL_PACKAGE_GROUP: 'churn',
  });
});

import type { ScoringConfig, TrainingConfig } from '../../../functions/lib/run-config';
import { handler } from '../../../functions/validate-input';
import { InputValidationError } from '../../../shared/errors';
import { lambdaContext } from './context';

const context = lambdaContext('validate-input');

async function validate(workflow: string, input: unknown, executionName = 'run-1'): Promise<unknown> {
  return handler({ workflow, input, executionName } as never, context);
}

async function rejection(
  workflow: string,
  input: unknown,
  executionName = 'run-1',
): Promise<InputValidationError> {
  const error = await validate(workflow, input, executionName).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputValidationError);
  return error as InputValidationError;
}

describe('validate-input for training', () => {
  it.each([
    ['featuresUri', 's3://sparkmaker-data/incoming/f/'],
    ['trainingDataUri', 's3://sparkmaker-data/incoming/t/'],
    ['transformOutputUri', 's3://sparkmaker-data/incoming/x/'],
    ['modelOutputUri', 's3://sparkmaker-data/incoming'],
    ['metricsUri', 's3://sparkmaker-data/incoming/metrics.json'],
  ])('rejects %s under the data bucket trigger prefix incoming/, naming the field', async (field, uri) => {
    const error = await rejection('training', {
      input: { uri: 's3://sparkmaker-data/incoming/churn.csv' },
      [field]: uri,
    });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(/incoming\/.*training run/);
  });

  it('fills every default from a minimal input', async () => {
    // Prepare
    const input = { input: { uri: 's3://sparkmaker-data/incoming/churn.csv' } };
    // Act
    const config = (await validate('training', input, 'train-abc')) as TrainingConfig;
    // Assess
    expect(config).toEqual({
      runId: 'train-abc',
      input: { uri: 's3://sparkmaker-data/incoming/churn.csv', format: 'csv' },
      algorithm: 'xgboost',
      fillFeatureDim: false,
      trainingChannels: ['train', 'validation'],
      transform: { accept: 'text/csv', join: true },
      evaluation: { kind: 'supervised', objective: 'binary:logistic' },
      contentType: 'text/csv',
      sparse: false,
      hyperparameters: { objective: 'binary:logistic', num_round: '100' },
      gate: { metric: 'auc', threshold: 0.7, lowerIsBetter: false },
      modelPackageGroup: 'churn',
      approvalStatus: 'PendingManualApproval',
      instanceType: 'ml.m5.large',
      transformInstanceType: 'ml.m5.large',
      instanceCount: 1,
      volumeSizeGb: 10,
      maxRuntimeSeconds: 3600,
      spot: { enabled: false, maxWaitSeconds: 7200 },
      featuresUri: 's3://sparkmaker-data/features/train-abc/',
      trainingDataUri: 's3://sparkmaker-data/training/train-abc/',
      modelOutputUri: 's3://sparkmaker-artifacts/models/train-abc/',
      transformOutputUri: 's3://sparkmaker-data/transform/train-abc/',
      metricsUri: 's3://sparkmaker-artifacts/runs/train-abc/metrics.json',
    });
  });

  it('accepts an input given as a JSON string, as a console run may pass it', async () => {
    const config = (await validate(
      'training',
      JSON.stringify({ input: { uri: 's3://b-1/x/y.parquet' } }),
    )) as TrainingConfig;
    expect(config.input).toEqual({ uri: 's3://b-1/x/y.parquet', format: 'parquet' });
  });

  it('turns numeric hyperparameters into the strings SageMaker requires', async () => {
    const input = {
      input: { uri: 's3://b-1/k.csv' },
      hyperparameters: { max_depth: 4, eta: 0.3, num_round: '20' },
    };
    const config = (await validate('training', input)) as TrainingConfig;
    expect(config.hyperparameters).toEqual({
      objective: 'binary:logistic',
      num_round: '20',
      max_depth: '4',
      eta: '0.3',
    });
  });

  it('rejects a misspelt top-level field and suggests the right one', async () => {
    const error = await rejection('training', { input: { uri: 's3://b-1/k.csv' }, instanceCuont: 2 });
    expect(error.field).toBe('instanceCuont');
    expect(error.message).toContain("unknown field 'instanceCuont' (did you mean 'instanceCount'?)");
  });

  it('suggests the nested path of a field given at the wrong level', async () => {
    const error = await rejection('training', { input: { uri: 's3://b-1/k.csv' }, format: 'csv' });
    expect(error.message).toContain("unknown field 'format' (did you mean 'input.format'?)");
  });

  it('rejects a misspelt hyperparameter with the XGBoost name suggested', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      hyperparameters: { max_dept: 3 },
    });
    expect(error.field).toBe('hyperparameters.max_dept');
    expect(error.message).toContain("did you mean 'hyperparameters.max_depth'?");
  });

  it('suggests the objective a typo was meant to be', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      hyperparameters: { objective: 'binary:logistc' },
      gate: { metric: 'auc' },
    });
    expect(error.field).toBe('hyperparameters.objective');
    expect(error.message).toContain("did you mean 'binary:logistic'?");
  });

  it('names the field path and the range of an out-of-range number', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      spot: { enabled: true, maxWaitSeconds: 'ten' },
    });
    expect(error.field).toBe('spot.maxWaitSeconds');
    expect(error.message).toContain(
      'spot.maxWaitSeconds must be an integer between 1 and 2419200, got "ten"',
    );
  });

  it('suggests the closest allowed value of an enumerated field', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      contentType: 'text/libsmv',
    });
    expect(error.message).toContain("(did you mean 'text/libsvm'?)");
  });

  it('reports every problem of the input at once', async () => {
    const error = await rejection('training', {
      input: { uri: 'http://x' },
      instanceCount: 0,
      sparse: 'yes',
    });
    expect(error.message).toMatch(/3 problems/);
    expect(error.message).toContain('input.uri must be an s3://bucket/key URI');
    expect(error.message).toContain('instanceCount must be an integer between 1 and 100, got 0');
    expect(error.message).toContain('sparse must be true or false, got "yes"');
  });

  it('requires the input location', async () => {
    const error = await rejection('training', {});
    expect(error.field).toBe('input');
  });

  it('rejects a gate metric the objective does not produce', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      hyperparameters: { objective: 'reg:squarederror' },
      gate: { metric: 'auc', threshold: 0.8 },
    });
    expect(error.field).toBe('gate.metric');
  });

  it('requires a threshold for an rmse gate, which has no natural default', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      hyperparameters: { objective: 'reg:squarederror' },
    });
    expect(error.field).toBe('gate.threshold');
  });

  it('refuses a spot wait shorter than the training time', async () => {
    const error = await rejection('training', {
      input: { uri: 's3://b-1/k.csv' },
      maxRuntimeSeconds: 600,
      spot: { enabled: true, maxWaitSeconds: 300 },
    });
    expect(error.field).toBe('spot.maxWaitSeconds');
  });

  it('refuses an execution name that cannot become a run id', async () => {
    const error = await rejection('training', { input: { uri: 's3://b-1/k.csv' } }, 'my run');
    expect(error.field).toBe('executionName');
  });

  it('suggests the workflow name when it is misspelt', async () => {
    const error = await rejection('trainig', {});
    expect(error.message).toContain("did you mean 'training'?");
  });
});

describe('validate-input for scoring', () => {
  it('fills every default from a minimal input', async () => {
    vi.useFakeTimers({ now: new Date('2024-05-06T10:00:00Z'), toFake: ['Date'] });
    try {
      const config = (await validate(
        'scoring',
        { input: { uri: 's3://b-1/new/' } },
        'score-1',
      )) as ScoringConfig;
      expect(config).toEqual({
        runId: 'score-1',
        input: { uri: 's3://b-1/new/', format: 'csv' },
        featureJob: true,
        model: { modelPackageGroup: 'churn' },
        dt: '2024-05-06',
        outputUri: 's3://sparkmaker-data/scores/',
        shardSizeBytes: 64 * 1024 * 1024,
        maxConcurrency: 10,
        batchSize: 1,
        toleratedFailurePercentage: 0,
        featuresUri: 's3://sparkmaker-data/features/score-1/',
        manifestUri: 's3://sparkmaker-artifacts/runs/score-1/shards.jsonl',
        mode: 'lambda',
        endpoint: null,
        onNothingToScore: 'fail',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('takes a model URI and normalises an output prefix to end in a slash', async () => {
    const config = (await validate('scoring', {
      input: { uri: 's3://b-1/new/a.parquet' },
      model: { uri: 's3://b-1/models/model.tar.gz' },
      outputUri: 's3://sparkmaker-data/scores/daily',
      dt: '2024-02-29',
    })) as ScoringConfig;
    expect(config.model).toEqual({ uri: 's3://b-1/models/model.tar.gz' });
    expect(config.outputUri).toBe('s3://sparkmaker-data/scores/daily/');
    expect(config.dt).toBe('2024-02-29');
  });

  it('rejects a date that is not on the calendar', async () => {
    const error = await rejection('scoring', { input: { uri: 's3://b-1/k.csv' }, dt: '2023-02-29' });
    expect(error.field).toBe('dt');
  });

  it('rejects a model given both ways', async () => {
    const error = await rejection('scoring', {
      input: { uri: 's3://b-1/k.csv' },
      model: { uri: 's3://b-1/m.tar.gz', modelPackageGroup: 'g' },
    });
    expect(error.field).toBe('model');
  });

  it('accepts a feature column list beside a model URI', async () => {
    // Prepare
    const input = {
      input: { uri: 's3://b-1/k.csv' },
      model: { uri: 's3://b-1/m.tar.gz', featureColumnsUri: 's3://b-1/feature-columns.json' },
    };
    // Act
    const config = (await validate('scoring', input)) as ScoringConfig;
    // Assess
    expect(config.model).toEqual({
      uri: 's3://b-1/m.tar.gz',
      featureColumnsUri: 's3://b-1/feature-columns.json',
    });
  });

  it('rejects a feature column list beside a model package group, whose package names its own', async () => {
    const error = await rejection('scoring', {
      input: { uri: 's3://b-1/k.csv' },
      model: { modelPackageGroup: 'g', featureColumnsUri: 's3://b-1/feature-columns.json' },
    });
    expect(error.field).toBe('model.featureColumnsUri');
  });

  it('rejects a feature column list that is a prefix, not an object', async () => {
    const error = await rejection('scoring', {
      input: { uri: 's3://b-1/k.csv' },
      model: { uri: 's3://b-1/m.tar.gz', featureColumnsUri: 's3://b-1/columns/' },
    });
    expect(error.field).toBe('model.featureColumnsUri');
  });

  it.each([
    ['outputUri', 's3://sparkmaker-data/incoming/scores/'],
    ['featuresUri', 's3://sparkmaker-data/incoming/features'],
    ['manifestUri', 's3://sparkmaker-data/incoming/shards.jsonl'],
  ])('rejects %s under the trigger prefix incoming/, which would start training runs', async (field, uri) => {
    const error = await rejection('scoring', { input: { uri: 's3://b-1/k.csv' }, [field]: uri });
    expect(error.field).toBe(field);
    expect(error.message).toContain('incoming/');
  });

  it('rejects an output outside the prefix the deployed roles may write, naming that prefix', async () => {
    const error = await rejection('scoring', {
      input: { uri: 's3://b-1/k.csv' },
      outputUri: 's3://other-bucket/scores/',
    });
    expect(error.field).toBe('outputUri');
    expect(error.message).toContain('outputUri must be under s3://sparkmaker-data/scores/');
  });

  it('rejects a misspelt scoring field with a suggestion', async () => {
    const error = await rejection('scoring', { input: { uri: 's3://b-1/k.csv' }, maxConcurency: 5 });
    expect(error.message).toContain("did you mean 'maxConcurrency'?");
  });
});
