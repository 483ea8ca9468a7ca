/**
 * Runs the real ASL files through the offline interpreter with fake services, to check the flow the
 * definitions describe: what each integration receives, where failures go, and what comes out.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { handler as mapFailureHandler } from '../../../functions/map-failure';
import { ResourceRegistry, registerLambda, StateMachine, StatesError } from '../../../local/asl/index';
import { registerS3Integrations } from '../../../local/conformance/s3';
import { MemoryObjectStore } from '../../../local/services/object-store';
import { lambdaContext } from '../functions/context';
import { fakeS3 } from '../functions/s3-fake';
import { repoRoot, type Workflow } from './helpers';

const DATA = 'sparkmaker-data';
const ARTIFACTS = 'sparkmaker-artifacts';
const LOCAL_VALUES: Record<string, string> = {
  DataBucket: DATA,
  ArtifactBucket: ARTIFACTS,
  EmrApplicationId: 'local',
  EmrJobRoleArn: 'arn:aws:iam::000000000000:role/EmrJobRole',
  SageMakerRoleArn: 'arn:aws:iam::000000000000:role/SageMakerExecutionRole',
  XGBoostImage: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
  EventBusName: 'default',
};

function definitionText(workflow: Workflow): string {
  const text = readFileSync(path.join(repoRoot, 'statemachines', `${workflow}.asl.json`), 'utf8');
  return text.replace(/\$\{(\w+)\}/g, (whole, name: string) => {
    if (name.endsWith('FunctionArn')) {
      const fn = name
        .slice(0, -'FunctionArn'.length)
        .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
        .toLowerCase();
      return `arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-${fn}`;
    }
    return LOCAL_VALUES[name] ?? whole;
  });
}

/** A fake function; `store` is the harness's object store (for functions that write what the ASL reads). */
type Handler = (payload: Record<string, unknown>, attempt: number, store: MemoryObjectStore) => unknown;

/** A named error as a Lambda function raises it (errorType = the class name). */
class FunctionError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

interface Harness {
  readonly calls: { fn: string; payload: Record<string, unknown> }[];
  readonly requests: { resource: string; input: Record<string, unknown> }[];
  readonly store: MemoryObjectStore;
  run(
    input: unknown,
    name: string,
  ): Promise<{ status: string; output?: unknown; error?: string; cause?: string }>;
}

function harness(
  workflow: Workflow,
  lambdas: Record<string, Handler>,
  services: Record<string, (input: Record<string, unknown>) => unknown> = {},
  store = new MemoryObjectStore(),
): Harness {
  const calls: Harness['calls'] = [];
  const requests: Harness['requests'] = [];
  const registry = new ResourceRegistry();
  registerLambda(registry, async (functionName, payload) => {
    const fn = functionName.replace(/^.*:function:sparkmaker-dev-/, '');
    const attempt = calls.filter((call) => call.fn === fn).length + 1;
    calls.push({ fn, payload: payload as Record<string, unknown> });
    const handler = lambdas[fn];
    if (!handler) throw new Error(`unexpected call of ${fn}`);
    try {
      return { payload: await handler(payload as Record<string, unknown>, attempt, store) };
    } catch (error) {
      if (error instanceof StatesError) throw error;
      const { name, message } = error as Error;
      return { payload: { errorType: name, errorMessage: message, trace: [] }, functionError: 'Unhandled' };
    }
  });
  const defaults: Record<string, (input: Record<string, unknown>) => unknown> = {
    'arn:aws:states:::emr-serverless:startJobRun.sync': () => ({
      ApplicationId: 'local',
      JobRunId: 'jr-1',
      Arn: 'arn:aws:emr-serverless:us-east-1:000000000000:/applications/local/jobruns/jr-1',
    }),
    'arn:aws:states:::sagemaker:createTrainingJob.sync': (input) => ({
      TrainingJobName: input.TrainingJobName,
      TrainingJobStatus: 'Completed',
      ModelArtifacts: {
        S3ModelArtifacts: `${(input.OutputDataConfig as { S3OutputPath: string }).S3OutputPath}${input.TrainingJobName}/output/model.tar.gz`,
      },
    }),
    'arn:aws:states:::sagemaker:createModel': (input) => ({
      ModelArn: `arn:aws:sagemaker:us-east-1:000000000000:model/${input.ModelName}`,
    }),
    'arn:aws:states:::sagemaker:createTransformJob.sync': (input) => ({
      TransformJobName: input.TransformJobName,
      TransformJobStatus: 'Completed',
    }),
    'arn:aws:states:::events:putEvents': () => ({ Entries: [{ EventId: 'e-1' }], FailedEntryCount: 0 }),
    // The S3 SDK integrations read the harness's store, with the response shape of the AWS SDK.
    'arn:aws:states:::aws-sdk:s3:listObjectsV2': async (input) => {
      // The deployed buckets always exist; the harness's store makes a bucket on its first object.
      const listed = await store
        .listObjects(String(input.Bucket), { prefix: String(input.Prefix ?? '') })
        .catch(() => ({ objects: [], isTruncated: false }));
      return {
        Contents: listed.objects.map((o) => ({ Key: o.key, Size: o.size, ETag: o.etag })),
        KeyCount: listed.objects.length,
        IsTruncated: listed.isTruncated,
        Prefix: input.Prefix,
      };
    },
    'arn:aws:states:::aws-sdk:s3:getObject': async (input) => ({
      Body: new TextDecoder().decode(await store.getObject(String(input.Bucket), String(input.Key))),
    }),
  };
  for (const [resource, handler] of Object.entries({ ...defaults, ...services })) {
    registry.register(resource, async (request) => {
      const input = request.input as Record<string, unknown>;
      requests.push({ resource, input });
      return handler(input);
    });
  }
  const machine = new StateMachine(definitionText(workflow), {
    // Distributed Map ItemReader / ResultWriter reach the store through the registry.
    registry: registerS3Integrations(registry, store),
    timeScale: 0.0001,
    random: () => 0.5,
    name: `sparkmaker-dev-${workflow}`,
  });
  return {
    calls,
    requests,
    store,
    async run(input, name) {
      return machine.start(input, { name }).done;
    },
  };
}

const runId = 'train-abc123';
const trainingConfig = {
  runId,
  input: { uri: `s3://${DATA}/incoming/churn.csv`, format: 'csv' },
  contentType: 'text/csv',
  sparse: false,
  hyperparameters: { num_round: '20', objective: 'binary:logistic' },
  gate: { metric: 'auc', threshold: 0.7 },
  modelPackageGroup: 'churn',
  approvalStatus: 'Approved',
  instanceType: 'ml.m5.xlarge',
  transformInstanceType: 'ml.m5.large',
  instanceCount: 1,
  volumeSizeGb: 10,
  maxRuntimeSeconds: 3600,
  spot: { enabled: false, maxWaitSeconds: 7200 },
  featuresUri: `s3://${DATA}/features/${runId}/`,
  trainingDataUri: `s3://${DATA}/training/${runId}/`,
  modelOutputUri: `s3://${ARTIFACTS}/models/${runId}/`,
  transformOutputUri: `s3://${DATA}/transform/${runId}/`,
  metricsUri: `s3://${ARTIFACTS}/runs/${runId}/metrics.json`,
};

function trainingLambdas(auc: number, overrides: Record<string, Handler> = {}): Record<string, Handler> {
  return {
    'validate-input': () => trainingConfig,
    'plan-conversion': async (payload, _attempt, store) => {
      const items = ['train', 'validation', 'test'].flatMap((split) =>
        ['2026-01-01', '2026-01-02'].map((dt) => ({
          split,
          source: `${trainingConfig.featuresUri}split=${split}/dt=${dt}/part-0.parquet`,
          target: `${trainingConfig.trainingDataUri}${split}/part-${dt}-0.csv`,
          to: 'csv',
          sparse: false,
        })),
      );
      const key = `runs/${runId}/conversion-plan.jsonl`;
      await store.putObject(ARTIFACTS, key, items.map((item) => `${JSON.stringify(item)}\n`).join(''));
      return {
        planUri: payload.planUri,
        bucket: ARTIFACTS,
        key,
        objects: items.length,
        channels: {
          train: `${trainingConfig.trainingDataUri}train/`,
          validation: `${trainingConfig.trainingDataUri}validation/`,
          test: `${trainingConfig.trainingDataUri}test/`,
        },
        featureColumns: ['f_a', 'f_b'],
        featureColumnsUri: `${trainingConfig.trainingDataUri}feature-columns.json`,
      };
    },
    convert: (payload) => ({ rows: 10, quarantined: 0, target: payload.target }),
    evaluate: (payload) => ({ metrics: { count: 30, auc, logloss: 0.4 }, metricsUri: payload.metricsUri }),
    'register-model': () => ({
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/churn/1',
    }),
    ...overrides,
  };
}

describe('the training state machine, run offline with fake services', () => {
  it('runs every step with the contract payloads and ends with a summary', async () => {
    // Prepare
    const run = harness('training', trainingLambdas(0.82));

    // Act
    const result = await run.run({ input: { uri: trainingConfig.input.uri, format: 'csv' } }, runId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(run.calls.map((call) => call.fn)).toEqual([
      'validate-input',
      'plan-conversion',
      'convert',
      'convert',
      'convert',
      'convert',
      'convert',
      'convert',
      'evaluate',
      'register-model',
    ]);
    expect(run.calls[0]?.payload).toEqual({
      workflow: 'training',
      input: { input: { uri: trainingConfig.input.uri, format: 'csv' } },
      executionName: runId,
    });
    expect(run.calls.filter((c) => c.fn === 'convert').map((c) => c.payload.to)).toEqual(
      Array(6).fill('csv'),
    );
    const [emr, training, model, transform] = run.requests;
    expect(emr?.input).toMatchObject({
      ClientToken: runId,
      Name: `features-${runId}`,
      ApplicationId: 'local',
    });
    expect(training?.input).toMatchObject({
      TrainingJobName: 'sm-train-abc123',
      InputDataConfig: [
        {
          ChannelName: 'train',
          DataSource: { S3DataSource: { S3Uri: `${trainingConfig.trainingDataUri}train/` } },
        },
        { ChannelName: 'validation' },
      ],
    });
    expect(model?.input).toMatchObject({
      ModelName: 'sm-train-abc123',
      PrimaryContainer: {
        ModelDataUrl: `${trainingConfig.modelOutputUri}sm-train-abc123/output/model.tar.gz`,
      },
    });
    expect(transform?.input).toMatchObject({
      TransformInput: { DataSource: { S3DataSource: { S3Uri: `${trainingConfig.trainingDataUri}test/` } } },
    });
    expect(run.calls.at(-1)?.payload).toMatchObject({
      modelDataUrl: `${trainingConfig.modelOutputUri}sm-train-abc123/output/model.tar.gz`,
      featureColumnsUri: `${trainingConfig.trainingDataUri}feature-columns.json`,
      metrics: { auc: 0.82 },
    });
    expect(result.output).toMatchObject({
      runId,
      status: 'REGISTERED',
      modelPackageArn: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/churn/1',
      conversion: { objects: 6, resultWriterDetails: { Bucket: ARTIFACTS } },
    });
    expect(run.calls.find((c) => c.fn === 'plan-conversion')?.payload).toMatchObject({
      planUri: `s3://${ARTIFACTS}/runs/${runId}/conversion-plan.jsonl`,
    });
    const written = await run.store.listObjects(ARTIFACTS, { prefix: `map-results/${runId}/conversion/` });
    expect(written.objects.length).toBeGreaterThan(0);
  });

  it('fails with QualityGateError and publishes a failure event when the model is not good enough', async () => {
    // Prepare
    const run = harness('training', trainingLambdas(0.55));

    // Act
    const result = await run.run({}, runId);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'QualityGateError' });
    expect(result.cause).toContain('auc = 0.55');
    expect(run.calls.map((c) => c.fn)).not.toContain('register-model');
    const event = run.requests.find((r) => r.resource.endsWith('events:putEvents'))?.input;
    expect(event).toMatchObject({
      Entries: [
        {
          Source: 'sparkmaker',
          DetailType: 'Training Run Failed',
          EventBusName: 'default',
          Detail: {
            workflow: 'training',
            state: 'QualityGate',
            error: 'QualityGateError',
            executionName: runId,
          },
        },
      ],
    });
  });

  it('fails with the original error and cause of a function, after publishing them', async () => {
    // Prepare
    const run = harness(
      'training',
      trainingLambdas(0.9, {
        'validate-input': () => {
          throw new FunctionError(
            'InputValidationError',
            "unknown field 'hyperparameter' (did you mean 'hyperparameters'?)",
          );
        },
      }),
    );

    // Act
    const result = await run.run({ hyperparameter: {} }, 'manual-1');

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InputValidationError');
    expect(JSON.parse(result.cause as string)).toMatchObject({
      errorType: 'InputValidationError',
      errorMessage: "unknown field 'hyperparameter' (did you mean 'hyperparameters'?)",
    });
    const event = run.requests.find((r) => r.resource.endsWith('events:putEvents'))?.input as {
      Entries: { Detail: Record<string, unknown> }[];
    };
    expect(event.Entries[0]?.Detail).toMatchObject({
      state: 'ValidateInput',
      error: 'InputValidationError',
      cause: result.cause,
    });
  });

  it('fails with the error and cause of a failed converter, read from the FAILED result file of the map', async () => {
    // Prepare: the real map-failure function, over the harness's store
    const fake = fakeS3();
    const run = harness(
      'training',
      trainingLambdas(0.9, {
        convert: (payload) => {
          if (String(payload.source).includes('split=validation/dt=2026-01-02')) {
            throw new FunctionError('ConversionError', `${payload.source}: column 'f_b' is not numeric`);
          }
          return { rows: 10, quarantined: 0, target: payload.target };
        },
        'map-failure': (payload) => mapFailureHandler(payload, lambdaContext('map-failure')),
      }),
      {},
      fake.store,
    );

    // Act
    const result = await run.run({}, runId);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('ConversionError');
    expect(result.cause).toBe(
      `${trainingConfig.featuresUri}split=validation/dt=2026-01-02/part-0.parquet: column 'f_b' is not numeric`,
    );
    expect(run.calls.find((c) => c.fn === 'map-failure')?.payload).toEqual({
      resultWriterUri: `s3://${ARTIFACTS}/map-results/${runId}/conversion/`,
      mapError: { Error: 'States.ExceedToleratedFailureThreshold', Cause: expect.any(String) },
    });
    const event = run.requests.find((r) => r.resource.endsWith('events:putEvents'))?.input as {
      Entries: { Detail: Record<string, unknown> }[];
    };
    expect(event.Entries[0]?.Detail).toMatchObject({
      state: 'ConvertObjects',
      error: 'ConversionError',
      cause: result.cause,
    });
    expect(run.calls.some((call) => call.fn === 'evaluate')).toBe(false);
  });

  it('keeps the map error when the result files of a failed conversion cannot be read', async () => {
    // Prepare
    const run = harness(
      'training',
      trainingLambdas(0.9, {
        convert: () => {
          throw new FunctionError('ConversionError', 'not numeric');
        },
        'map-failure': () => {
          throw new FunctionError('S3AccessDenied', 'Access Denied');
        },
      }),
    );

    // Act
    const result = await run.run({}, runId);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(run.calls.filter((c) => c.fn === 'map-failure')).toHaveLength(1);
  });

  it('still fails with the original error when the failure event cannot be published', async () => {
    // Prepare
    const run = harness(
      'training',
      trainingLambdas(0.9, {
        evaluate: () => {
          throw new FunctionError('EvaluationError', 'no batch-transform output');
        },
      }),
      {
        'arn:aws:states:::events:putEvents': () => {
          throw new StatesError('EventBridge.AccessDeniedException', 'not allowed');
        },
      },
    );

    // Act
    const result = await run.run({}, runId);

    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('EvaluationError');
    expect(result.cause).toContain('no batch-transform output');
  });

  it('retries a throttled function with backoff and carries on', async () => {
    // Prepare
    const run = harness(
      'training',
      trainingLambdas(0.9, {
        evaluate: (payload, attempt) => {
          if (attempt < 3) throw new StatesError('Lambda.TooManyRequestsException', 'Rate Exceeded.');
          return { metrics: { count: 30, auc: 0.9 }, metricsUri: payload.metricsUri };
        },
      }),
    );

    // Act
    const result = await run.run({}, runId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(run.calls.filter((c) => c.fn === 'evaluate')).toHaveLength(3);
  });

  it('asks for managed spot training with checkpoints only when the input enables it', async () => {
    // Prepare
    const spotConfig = { ...trainingConfig, spot: { enabled: true, maxWaitSeconds: 7200 } };
    const run = harness('training', trainingLambdas(0.9, { 'validate-input': () => spotConfig }));

    // Act
    const result = await run.run({}, runId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const training = run.requests.find((r) => r.resource.includes('createTrainingJob'))?.input;
    expect(training).toMatchObject({
      EnableManagedSpotTraining: true,
      CheckpointConfig: { S3Uri: `${trainingConfig.modelOutputUri}checkpoints/sm-train-abc123/` },
      StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 },
    });
  });
});

const scoreId = 'score-7';
const scoringConfig = {
  runId: scoreId,
  input: { uri: `s3://${DATA}/scoring/incoming/`, format: 'csv' },
  featureJob: false,
  model: { modelPackageGroup: 'churn' },
  dt: '2026-11-22',
  outputUri: `s3://${DATA}/scores/`,
  shardSizeBytes: 1_000_000,
  maxConcurrency: 4,
  batchSize: 2,
  toleratedFailurePercentage: 0,
  featuresUri: `s3://${DATA}/features/${scoreId}/`,
  manifestUri: `s3://${ARTIFACTS}/runs/${scoreId}/shards.jsonl`,
  onNothingToScore: 'fail',
};

function scoringLambdas(
  store: () => MemoryObjectStore,
  config = scoringConfig,
  overrides: Record<string, Handler> = {},
): Record<string, Handler> {
  return {
    'validate-input': () => config,
    'resolve-model': () => ({ modelUri: `s3://${ARTIFACTS}/models/m/model.tar.gz` }),
    'plan-shards': async (payload) => {
      const shards = [0, 1, 2, 3, 4].map((i) => ({
        shardId: String(i).padStart(5, '0'),
        source: `${payload.inputUri}part-${i}.csv`,
        format: payload.format,
      }));
      await store().putObject(
        ARTIFACTS,
        `runs/${scoreId}/shards.jsonl`,
        shards.map((s) => JSON.stringify(s)).join('\n'),
      );
      return {
        manifestUri: payload.manifestUri,
        bucket: ARTIFACTS,
        key: `runs/${scoreId}/shards.jsonl`,
        shards: 5,
        bytes: 500,
      };
    },
    'score-shard': (payload) => ({
      shards: (payload.Items as { shardId: string }[]).map((item) => ({
        shardId: item.shardId,
        rows: 10,
        outputKey: `scores/dt=2026-11-22/part-${item.shardId}.csv`,
      })),
    }),
    'commit-scores': (payload) => ({
      status: 'COMPLETE',
      rows: 50,
      failedShards: [],
      manifestUri: `${payload.outputUri}dt=${payload.dt}/_manifest.json`,
    }),
    ...overrides,
  };
}

describe('the scoring state machine, run offline with fake services', () => {
  it('scores the shard manifest in batches through the Distributed Map and commits', async () => {
    // Prepare
    let store: MemoryObjectStore | undefined;
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore),
    );
    store = run.store;

    // Act
    const result = await run.run({ input: scoringConfig.input }, scoreId);

    // Assess
    expect(result.status, `${result.error} ${result.cause}`).toBe('SUCCEEDED');
    const batches = run.calls.filter((c) => c.fn === 'score-shard');
    expect(batches).toHaveLength(3);
    expect(
      batches.flatMap((b) => (b.payload.Items as { shardId: string }[]).map((i) => i.shardId)).sort(),
    ).toEqual(['00000', '00001', '00002', '00003', '00004']);
    expect(batches[0]?.payload.BatchInput).toEqual({
      runId: scoreId,
      modelUri: `s3://${ARTIFACTS}/models/m/model.tar.gz`,
      featureColumnsUri: null,
      outputUri: scoringConfig.outputUri,
      dt: '2026-11-22',
    });
    expect(run.calls.find((c) => c.fn === 'plan-shards')?.payload).toMatchObject({
      inputUri: scoringConfig.input.uri,
      format: 'csv',
    });
    const commit = run.calls.find((c) => c.fn === 'commit-scores')?.payload as {
      resultWriterDetails: { Bucket: string; Key: string };
    };
    expect(commit.resultWriterDetails.Bucket).toBe(ARTIFACTS);
    expect(commit.resultWriterDetails.Key).toMatch(new RegExp(`^map-results/${scoreId}/.+/manifest\\.json$`));
    expect(result.output).toMatchObject({ runId: scoreId, status: 'COMPLETE', rows: 50, shards: 5 });
    expect(run.requests.filter((r) => r.resource.includes('emr-serverless'))).toEqual([]);
  });

  it('runs the feature job in score mode and shards its Parquet output when asked', async () => {
    // Prepare
    let store: MemoryObjectStore | undefined;
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore, { ...scoringConfig, featureJob: true }),
    );
    store = run.store;

    // Act
    const result = await run.run({}, scoreId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const emr = run.requests.find((r) => r.resource.includes('emr-serverless'))?.input as {
      JobDriver: { SparkSubmit: { EntryPointArguments: string[] } };
    };
    expect(emr.JobDriver.SparkSubmit.EntryPointArguments).toEqual([
      '--input',
      scoringConfig.input.uri,
      '--input-format',
      'csv',
      '--output',
      scoringConfig.featuresUri,
      '--run-id',
      scoreId,
      '--mode',
      'score',
    ]);
    expect(run.calls.find((c) => c.fn === 'plan-shards')?.payload).toMatchObject({
      inputUri: scoringConfig.featuresUri,
      format: 'parquet',
    });
  });

  it('fails with the model resolver error when no approved model exists', async () => {
    // Prepare
    let store: MemoryObjectStore | undefined;
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore, scoringConfig, {
        'resolve-model': () => {
          throw new FunctionError('ModelNotFoundError', "no Approved model package in group 'churn'");
        },
      }),
    );
    store = run.store;

    // Act
    const result = await run.run({}, scoreId);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'ModelNotFoundError' });
    expect(run.requests.find((r) => r.resource.endsWith('events:putEvents'))?.input).toMatchObject({
      Entries: [
        { DetailType: 'Scoring Run Failed', Detail: { state: 'ResolveModel', error: 'ModelNotFoundError' } },
      ],
    });
  });

  it('ends a scheduled run with no approved model SUCCEEDED, with the reason and no failure event', async () => {
    // Prepare: the schedule's input says nothing to score is not a failure
    let store: MemoryObjectStore | undefined;
    const scheduled = { ...scoringConfig, onNothingToScore: 'succeed' };
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore, scheduled, {
        'resolve-model': () => {
          throw new FunctionError('ModelNotFoundError', "no Approved model package in group 'churn'");
        },
      }),
    );
    store = run.store;
    await store.putObject(DATA, 'scoring/incoming/a.csv', 'customer_id,f_a\n1,2\n');

    // Act
    const result = await run.run({}, scoreId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      status: 'NOTHING_TO_SCORE',
      reason: "no Approved model package in group 'churn'",
    });
    expect(run.requests.some((r) => r.resource.endsWith('events:putEvents'))).toBe(false);
    expect(run.calls.some((c) => c.fn === 'plan-shards')).toBe(false);
  });

  it('ends a scheduled run over an empty prefix SUCCEEDED before resolving any model', async () => {
    // Prepare: only a marker and a folder object under the prefix
    let store: MemoryObjectStore | undefined;
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore, { ...scoringConfig, onNothingToScore: 'succeed' }),
    );
    store = run.store;
    await store.putObject(DATA, 'scoring/incoming/_SUCCESS', '');
    await store.putObject(DATA, 'scoring/incoming/', '');

    // Act
    const result = await run.run({}, scoreId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({
      status: 'NOTHING_TO_SCORE',
      reason: `no data objects to score under s3://${DATA}/scoring/incoming/`,
    });
    expect(run.calls.map((c) => c.fn)).toEqual(['validate-input']);
  });

  it('retries a failing batch once, then fails beyond the tolerated percentage without committing', async () => {
    // Prepare
    let store: MemoryObjectStore | undefined;
    const failing: Handler = (payload) => {
      const items = payload.Items as { shardId: string }[];
      if (items.some((item) => item.shardId === '00002'))
        throw new FunctionError('FormatError', 'bad row (line 3)');
      return { shards: items.map((item) => ({ shardId: item.shardId, rows: 1, outputKey: 'k' })) };
    };
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore, scoringConfig, { 'score-shard': failing }),
    );
    store = run.store;

    // Act
    const result = await run.run({}, scoreId);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
    const calls = run.calls.filter((c) => c.fn === 'score-shard');
    expect(
      calls.filter((c) => (c.payload.Items as { shardId: string }[]).some((i) => i.shardId === '00002')),
    ).toHaveLength(2);
    expect(run.calls.map((c) => c.fn)).not.toContain('commit-scores');
  });

  it('commits a partial run when the failed batches stay within the tolerated percentage', async () => {
    // Prepare
    let store: MemoryObjectStore | undefined;
    const tolerant = { ...scoringConfig, toleratedFailurePercentage: 50 };
    const run = harness(
      'scoring',
      scoringLambdas(() => store as MemoryObjectStore, tolerant, {
        'score-shard': (payload) => {
          const items = payload.Items as { shardId: string }[];
          if (items.some((item) => item.shardId === '00004'))
            throw new FunctionError('FormatError', 'bad row');
          return { shards: items.map((item) => ({ shardId: item.shardId, rows: 1, outputKey: 'k' })) };
        },
        'commit-scores': () => ({
          status: 'PARTIAL',
          rows: 4,
          failedShards: ['00004'],
          manifestUri: 's3://m',
        }),
      }),
    );
    store = run.store;

    // Act
    const result = await run.run({}, scoreId);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ status: 'PARTIAL', failedShards: ['00004'] });
  });
});
