import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { awsJsonataBindings } from '../../../local/asl/jsonata-functions';
import { expressionOf, loadDefinition, type State } from './helpers';

const training = loadDefinition('training');
const scoring = loadDefinition('scoring');

function state(definition: typeof training, name: string): State {
  const found = definition.States[name];
  if (!found) throw new Error(`no state ${name}`);
  return found;
}

/** `${Name}`: a deploy-time placeholder as written in the ASL files. */
function ph(name: string): string {
  return `\${${name}}`;
}

async function evaluate(value: unknown, bindings: Record<string, unknown>): Promise<unknown> {
  return jsonata(expressionOf(value)).evaluate({}, { ...awsJsonataBindings(), ...bindings });
}

const config = {
  runId: 'train-2026_11_22.a',
  input: { uri: 's3://sparkmaker-data/incoming/churn.csv', format: 'csv' },
  contentType: 'text/libsvm',
  sparse: true,
  hyperparameters: { num_round: '50', objective: 'binary:logistic' },
  gate: { metric: 'auc', threshold: 0.7 },
  modelPackageGroup: 'churn',
  approvalStatus: 'Approved',
  instanceType: 'ml.m5.xlarge',
  instanceCount: 1,
  volumeSizeGb: 10,
  maxRuntimeSeconds: 3600,
  spot: { enabled: false, maxWaitSeconds: 7200 },
  featuresUri: 's3://sparkmaker-data/features/train-1/',
  trainingDataUri: 's3://sparkmaker-data/training/train-1/',
  modelOutputUri: 's3://sparkmaker-artifacts/models/train-1',
  transformOutputUri: 's3://sparkmaker-artifacts/transform/train-1/',
  metricsUri: 's3://sparkmaker-artifacts/metrics/train-1.json',
};

const channels = {
  train: 's3://sparkmaker-data/training/train-1/train/',
  validation: 's3://sparkmaker-data/training/train-1/validation/',
  test: 's3://sparkmaker-data/training/train-1/test/',
};

describe('the training state machine expressions', () => {
  it('derive a SageMaker job name from the run id that SageMaker accepts', async () => {
    // Prepare
    const expression = state(training, 'ValidateInput').Assign?.jobName;
    const long = `train-${'x'.repeat(58)}-${'y'.repeat(20)}`;

    // Act
    const short = await evaluate(expression, { states: { result: { Payload: { runId: 'train-a_b.c d' } } } });
    const cut = await evaluate(expression, { states: { result: { Payload: { runId: long } } } });

    // Assess
    expect(short).toBe('sm-train-a-b-c-d');
    expect(cut).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect((cut as string).length).toBeLessThanOrEqual(63);
  });

  it('start the feature job idempotently, named after the run, with the contract arguments', async () => {
    // Prepare
    const args = state(training, 'FeatureJob').Arguments as Record<string, unknown> & {
      JobDriver: { SparkSubmit: Record<string, unknown> };
    };

    // Act
    const clientToken = await evaluate(args.ClientToken, { config });
    const name = await evaluate(args.Name, { config });
    const entryPointArguments = await evaluate(args.JobDriver.SparkSubmit.EntryPointArguments, { config });

    // Assess
    expect(clientToken).toBe(config.runId);
    expect(name).toBe(`features-${config.runId}`);
    expect(args.JobDriver.SparkSubmit.EntryPoint).toBe(`s3://${ph('ArtifactBucket')}/jobs/features/main.py`);
    expect(entryPointArguments).toEqual([
      '--input',
      config.input.uri,
      '--input-format',
      'csv',
      '--output',
      config.featuresUri,
      '--run-id',
      config.runId,
      '--mode',
      'train',
    ]);
  });

  it('take the channels from the small plan-conversion result and name the plan after the run', async () => {
    // Prepare
    const plan = state(training, 'PlanConversion');
    const payload = (plan.Arguments as { Payload: Record<string, unknown> }).Payload;
    const result = { Payload: { channels, objects: 5000, bucket: 'a', key: 'runs/x/conversion-plan.jsonl' } };

    // Act
    const assigned = await evaluate(plan.Assign?.channels, { states: { result } });
    const planUri = await evaluate(payload.planUri, { config });

    // Assess
    expect(assigned).toEqual(channels);
    expect(planUri).toBe(`s3://\${ArtifactBucket}/runs/${config.runId}/conversion-plan.jsonl`);
  });

  it('take each item as the planner resolved it, and the feature columns from the state input', async () => {
    // Prepare: the plan carries format and sparsity per item; the Map's own fields read only the
    // state input (a distributed child workflow cannot see outer variables)
    const selector = state(training, 'ConvertObjects').ItemSelector as Record<string, unknown>;
    const value = {
      split: 'train',
      source: 's3://d/f/a.parquet',
      target: 's3://d/t/train/part-1.rec',
      to: 'recordio-protobuf',
      sparse: true,
    };
    const states = { context: { Map: { Item: { Value: value } } }, input: { featureColumns: ['f_a'] } };

    // Act
    const entries = await Promise.all(
      Object.entries(selector).map(async ([key, v]) => [
        key,
        typeof v === 'string' && v.startsWith('{%') ? await evaluate(v, { states }) : v,
      ]),
    );

    // Assess
    expect(Object.fromEntries(entries)).toEqual({
      source: value.source,
      target: value.target,
      to: 'recordio-protobuf',
      sparse: true,
      label: 'label',
      features: ['f_a'],
    });
  });

  it('request on-demand training without any spot setting when spot is off', async () => {
    // Prepare
    const args = state(training, 'TrainModel').Arguments;

    // Act
    const request = (await evaluate(args, { config, channels, jobName: 'sm-train-1' })) as Record<
      string,
      unknown
    >;

    // Assess
    expect(request.TrainingJobName).toBe('sm-train-1');
    expect(request.AlgorithmSpecification).toEqual({
      TrainingImage: ph('XGBoostImage'),
      TrainingInputMode: 'File',
    });
    expect(request.RoleArn).toBe(ph('SageMakerRoleArn'));
    expect(request.HyperParameters).toEqual(config.hyperparameters);
    expect(request.InputDataConfig).toMatchObject([
      {
        ChannelName: 'train',
        ContentType: 'text/libsvm',
        DataSource: { S3DataSource: { S3Uri: channels.train } },
      },
      { ChannelName: 'validation', DataSource: { S3DataSource: { S3Uri: channels.validation } } },
    ]);
    expect(request.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600 });
    expect(request).not.toHaveProperty('EnableManagedSpotTraining');
    expect(request).not.toHaveProperty('CheckpointConfig');
  });

  it('request managed spot with a checkpoint path and a maximum wait when spot is on', async () => {
    // Prepare
    const args = state(training, 'TrainModel').Arguments;
    const spotConfig = { ...config, spot: { enabled: true, maxWaitSeconds: 7200 } };

    // Act
    const request = (await evaluate(args, {
      config: spotConfig,
      channels: { train: channels.train, test: channels.test },
      jobName: 'sm-train-1',
    })) as Record<string, unknown>;

    // Assess
    expect(request.EnableManagedSpotTraining).toBe(true);
    expect(request.CheckpointConfig).toEqual({
      S3Uri: 's3://sparkmaker-artifacts/models/train-1/checkpoints/sm-train-1/',
    });
    expect(request.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 });
    expect(request.InputDataConfig).toHaveLength(1);
  });

  it('keep run ids that share their first 60 characters apart when cutting a job name', async () => {
    // Prepare
    const expression = state(training, 'ValidateInput').Assign?.jobName;
    const prefix = `train-${'x'.repeat(60)}`;
    const runIds = [`${prefix}-first`, `${prefix}-second`];

    // Act
    const names = await Promise.all(
      runIds.map((runId) => evaluate(expression, { states: { result: { Payload: { runId } } } })),
    );

    // Assess
    expect(names[0]).not.toBe(names[1]);
    for (const name of names as string[]) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    }
  });

  it('keep long run ids apart in the EMR client token, which is at most 64 characters', async () => {
    // Prepare
    const args = state(training, 'FeatureJob').Arguments as Record<string, unknown>;
    const prefix = `train-${'x'.repeat(60)}`;

    // Act
    const first = await evaluate(args.ClientToken, { config: { ...config, runId: `${prefix}-first` } });
    const second = await evaluate(args.ClientToken, { config: { ...config, runId: `${prefix}-second` } });

    // Assess
    expect(first).not.toBe(second);
    expect((first as string).length).toBeLessThanOrEqual(64);
    expect((second as string).length).toBeLessThanOrEqual(64);
  });

  it('name the training job, model and transform job alike, after the run', async () => {
    // Prepare
    const train = state(training, 'TrainModel').Arguments;
    const model = state(training, 'CreateModel').Arguments as Record<string, unknown>;
    const transform = state(training, 'BatchTransform').Arguments as Record<string, unknown>;
    const jobName = 'sm-train-1';

    // Act
    const request = (await evaluate(train, { config, channels, jobName })) as { TrainingJobName: string };
    const modelName = await evaluate(model.ModelName, { jobName });
    const transformName = await evaluate(transform.TransformJobName, { jobName });

    // Assess
    expect([request.TrainingJobName, modelName, transformName]).toEqual([jobName, jobName, jobName]);
  });

  it('run Spark with the in-memory catalog, so the job role needs no Glue permissions', () => {
    // Prepare
    const submit = (definition: typeof training) =>
      (state(definition, 'FeatureJob').Arguments as { JobDriver: { SparkSubmit: Record<string, string> } })
        .JobDriver.SparkSubmit.SparkSubmitParameters;

    // Act
    const parameters = [submit(training), submit(scoring)];

    // Assess
    for (const p of parameters) expect(p).toContain('--conf spark.sql.catalogImplementation=in-memory');
  });

  it('batch-transform the label-first CSV test split and keep label,prediction', () => {
    // Prepare
    const args = state(training, 'BatchTransform').Arguments as Record<string, Record<string, unknown>>;

    // Assess
    expect(args.DataProcessing).toEqual({
      InputFilter: '$[1:]',
      JoinSource: 'Input',
      OutputFilter: '$[0,-1]',
    });
    expect(args.TransformInput).toMatchObject({ ContentType: 'text/csv', SplitType: 'Line' });
  });

  it.each([
    ['auc', 0.81, 0.7, true],
    ['auc', 0.69, 0.7, false],
    ['accuracy', 0.7, 0.7, true],
    ['logloss', 0.35, 0.4, true],
    ['logloss', 0.45, 0.4, false],
    ['rmse', 2.5, 3, true],
  ])('pass the quality gate on %s = %s against %s: %s', async (metric, value, threshold, passes) => {
    // Prepare
    const condition = state(training, 'QualityGate').Choices?.[0]?.Condition;

    // Act
    const result = await evaluate(condition, {
      config: { ...config, gate: { metric, threshold } },
      evaluation: { metrics: { count: 100, [metric]: value } },
    });

    // Assess
    expect(result).toBe(passes);
  });

  it('fail the quality gate with QualityGateError naming the metric when it is missing or too low', async () => {
    // Prepare
    const condition = state(training, 'QualityGate').Choices?.[0]?.Condition;
    const failure = state(training, 'GateRejected').Assign?.failure;
    const bindings = {
      config: { ...config, gate: { metric: 'auc', threshold: 0.7 } },
      evaluation: { metrics: { count: 10, rmse: 0.3 }, metricsUri: 's3://a/m.json' },
      jobName: 'sm-train-1',
    };

    // Act
    const passes = await evaluate(condition, bindings);
    const rejected = (await evaluate(failure, bindings)) as { Error: string; Cause: string };

    // Assess
    expect(passes).toBe(false);
    expect(rejected.Error).toBe('QualityGateError');
    expect(rejected.Cause).toContain('auc is missing');
    expect(rejected.Cause).toContain('auc >= 0.7');
  });
});

describe('the scoring state machine expressions', () => {
  it('score the feature job output when the feature job runs, the raw input otherwise', async () => {
    // Prepare
    const expression = state(scoring, 'ResolveModel').Assign?.scoreInput;
    const base = { input: { uri: 's3://d/in/', format: 'csv' }, featuresUri: 's3://d/features/score-1/' };

    // Act
    const withJob = await evaluate(expression, { config: { ...base, featureJob: true } });
    const withoutJob = await evaluate(expression, { config: { ...base, featureJob: false } });

    // Assess
    expect(withJob).toEqual({ uri: 's3://d/features/score-1/', format: 'parquet' });
    expect(withoutJob).toEqual(base.input);
  });

  it('batch shards with the run settings and null when the model has no feature column list', async () => {
    // Prepare: PlanShards puts what the Map needs into its output (no outer variables in the Map)
    const plan = state(scoring, 'PlanShards');
    const batcher = state(scoring, 'ScoreShards').ItemBatcher as {
      BatchInput: Record<string, unknown>;
      MaxItemsPerBatch: unknown;
    };
    const bindings = {
      config: {
        runId: 'score-1',
        outputUri: 's3://d/scores/',
        dt: '2026-11-22',
        batchSize: 3,
        maxConcurrency: 7,
        toleratedFailurePercentage: 5,
      },
      model: { modelUri: 's3://a/model.tar.gz' },
      states: { result: { Payload: { bucket: 'a', key: 'runs/score-1/shards.jsonl', shards: 4 } } },
    };

    // Act
    const output = (await evaluate(plan.Output, bindings)) as Record<string, unknown>;
    const entries = await Promise.all(
      Object.entries(batcher.BatchInput).map(async ([key, value]) => [
        key,
        await evaluate(value, { states: { input: output } }),
      ]),
    );
    const batchInput = Object.fromEntries(entries);
    const perBatch = await evaluate(batcher.MaxItemsPerBatch, { states: { input: output } });

    // Assess
    expect(output).toMatchObject({ bucket: 'a', key: 'runs/score-1/shards.jsonl', shards: 4 });
    expect(batchInput).toEqual({
      runId: 'score-1',
      modelUri: 's3://a/model.tar.gz',
      featureColumnsUri: null,
      outputUri: 's3://d/scores/',
      dt: '2026-11-22',
    });
    expect(perBatch).toBe(3);
  });

  it('read the JSONL shard manifest and write map results to the artifact bucket', () => {
    // Prepare
    const map = state(scoring, 'ScoreShards');

    // Assess
    expect(map.ItemReader).toMatchObject({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSONL' },
    });
    expect(map.ResultWriter).toMatchObject({
      Resource: 'arn:aws:states:::s3:putObject',
      Arguments: { Bucket: ph('ArtifactBucket') },
    });
    expect(map.ItemProcessor?.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.MaxConcurrency).toBe('{% $states.input.map.maxConcurrency %}');
    expect(map.ToleratedFailurePercentage).toBe('{% $states.input.map.toleratedFailurePercentage %}');
  });
});
