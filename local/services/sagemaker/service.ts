/**
 * The local SageMaker service face. `resources` are the Step Functions integrations by Resource
 * ARN (what the interpreter's ResourceRegistry calls), `api` answers the SageMaker JSON API by
 * operation name (what the HTTP endpoint and the Lambdas' SDK clients reach).
 *
 * Step Functions semantics: `createTrainingJob` / `createTransformJob` return `{TrainingJobArn}` /
 * `{TransformJobArn}` at once; the `.sync` variants wait and return the Describe response, and a
 * job that ends `Failed` fails the task with `States.TaskFailed` and the Describe JSON as cause.
 * An API-level error (bad name, duplicate) fails the task with `SageMaker.AmazonSageMakerException`.
 * Timestamps are epoch milliseconds in state-machine results and epoch seconds in API responses,
 * as AWS renders them.
 *
 * @example
 * const sagemaker = createSageMakerService({ store, stateDir: '.sparkmaker' });
 * const job = await sagemaker.resources['arn:aws:states:::sagemaker:createTrainingJob.sync']!(request);
 * const pkg = await sagemaker.api('DescribeModelPackage', { ModelPackageName: arn });
 */
import { StatesError } from '../../asl/errors';
import type { ObjectStore } from '../object-store';
import { requireName, SageMakerApiError, toStatesError } from './api-error';
import { type SageMakerContext, sagemakerArn } from './context';
import { ModelRegistry } from './registry';
import { JsonStateStore } from './state';
import {
  type CreateTrainingJobRequest,
  runTrainingJob,
  type TrainingJobDescription,
  validateTrainingRequest,
} from './training-job';
import {
  type CreateTransformJobRequest,
  type ModelDescription,
  runTransformJob,
  type TransformJobDescription,
  validateTransformRequest,
} from './transform-job';
import { parseBackend, type XgboostBackend } from './xgboost/train';

/** Options of {@link createSageMakerService}. */
export interface SageMakerServiceOptions {
  readonly store: ObjectStore;
  /** Where jobs, models and the registry are kept (`<stateDir>/sagemaker/…`). */
  readonly stateDir: string;
  /** Trainer backend; default from `SPARKMAKER_XGBOOST_BACKEND`, else `embedded`. */
  readonly backend?: XgboostBackend;
  /** Accepted for symmetry with the other local services; jobs run as fast as they can. */
  readonly timeScale?: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly now?: () => Date;
}

/** The service: Step Functions resources and the JSON API. */
export interface SageMakerService {
  readonly resources: Record<string, (input: unknown) => Promise<unknown>>;
  api(operation: string, input: object): Promise<object>;
  /** Resolves when every job started so far has finished (tests, CLI). */
  settled(): Promise<void>;
  /** StopTrainingJob / StopTransformJob on every job still in progress (the run was interrupted). */
  stopAll(): Promise<string[]>;
}

const DATE_FIELDS = new Set([
  'CreationTime',
  'LastModifiedTime',
  'TrainingStartTime',
  'TrainingEndTime',
  'TransformStartTime',
  'TransformEndTime',
  'StartTime',
  'EndTime',
  'Timestamp',
]);

/** Renders stored ISO dates as epoch seconds (API) or epoch milliseconds (Step Functions). */
export function renderDates(value: unknown, unit: 'seconds' | 'millis'): unknown {
  if (Array.isArray(value)) return value.map((v) => renderDates(v, unit));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'LocalBackend') continue;
    if (DATE_FIELDS.has(key) && typeof v === 'string') {
      const ms = Date.parse(v);
      out[key] = unit === 'seconds' ? ms / 1000 : ms;
    } else {
      out[key] = renderDates(v, unit);
    }
  }
  return out;
}

function asObject(input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SageMakerApiError('ValidationException', 'the request must be a JSON object');
  }
  return input as Record<string, unknown>;
}

/** Creates the local SageMaker over an object store and a state directory. */
export function createSageMakerService(options: SageMakerServiceOptions): SageMakerService {
  const ctx: SageMakerContext = {
    store: options.store,
    state: new JsonStateStore(options.stateDir),
    backend: options.backend ?? parseBackend(process.env.SPARKMAKER_XGBOOST_BACKEND),
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
    now: options.now ?? (() => new Date()),
  };
  const registry = new ModelRegistry(ctx);
  const running = new Map<string, Promise<void>>();
  /** Jobs in progress, by `training:<name>` / `transform:<name>`, for the Stop operations. */
  const live = new Map<string, { job: Record<string, unknown>; save: () => Promise<void> }>();
  const stopped = new Set<string>();

  /** Marks a job in progress Stopped, now and once its body ends (which cannot be interrupted). */
  async function stopJob(key: string): Promise<void> {
    const entry = live.get(key);
    if (entry === undefined) return;
    const field = key.startsWith('training:') ? 'TrainingJobStatus' : 'TransformJobStatus';
    const mark = () => {
      entry.job[field] = 'Stopped';
      if (field === 'TrainingJobStatus') entry.job.SecondaryStatus = 'Stopped';
      entry.job.LastModifiedTime = ctx.now().toISOString();
      return entry.save();
    };
    stopped.add(key);
    await mark();
    void running.get(key)?.finally(mark);
  }

  async function stopByName(kind: 'training' | 'transform', input: unknown): Promise<object> {
    const field = kind === 'training' ? 'TrainingJobName' : 'TransformJobName';
    const name = requireName(
      asObject(input)[field],
      kind === 'training' ? 'trainingJobName' : 'transformJobName',
    );
    const job = await ctx.state.get<Record<string, unknown>>(`${kind}-jobs`, name);
    if (job === undefined) {
      throw new SageMakerApiError(
        'ResourceNotFound',
        `Requested resource not found: ${sagemakerArn(ctx, `${kind}-job`, name)}`,
      );
    }
    await stopJob(`${kind}:${name}`);
    return {};
  }

  async function createTrainingJob(input: unknown): Promise<{ TrainingJobArn: string }> {
    const request = asObject(input) as CreateTrainingJobRequest;
    const { name } = validateTrainingRequest(request);
    const arn = sagemakerArn(ctx, 'training-job', name);
    if ((await ctx.state.get('training-jobs', name)) !== undefined || running.has(`training:${name}`)) {
      throw new SageMakerApiError(
        'ResourceInUse',
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
      );
    }
    const now = ctx.now().toISOString();
    const job: TrainingJobDescription = {
      TrainingJobName: name,
      TrainingJobArn: arn,
      TrainingJobStatus: 'InProgress',
      SecondaryStatus: 'Starting',
      ModelArtifacts: { S3ModelArtifacts: '' },
      HyperParameters: { ...(request.HyperParameters ?? {}) },
      AlgorithmSpecification: {
        TrainingInputMode: 'File',
        EnableSageMakerMetricsTimeSeries: false,
        ...request.AlgorithmSpecification,
      },
      ...(typeof request.RoleArn === 'string' ? { RoleArn: request.RoleArn } : {}),
      InputDataConfig: [...(request.InputDataConfig ?? [])],
      OutputDataConfig: { ...request.OutputDataConfig },
      ResourceConfig: {
        ...(request.ResourceConfig ?? { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 10 }),
      },
      StoppingCondition: { ...(request.StoppingCondition ?? { MaxRuntimeInSeconds: 86400 }) },
      CreationTime: now,
      LastModifiedTime: now,
      SecondaryStatusTransitions: [],
      EnableNetworkIsolation: request.EnableNetworkIsolation === true,
      EnableInterContainerTrafficEncryption: request.EnableInterContainerTrafficEncryption === true,
      EnableManagedSpotTraining: request.EnableManagedSpotTraining === true,
    };
    const save = (): Promise<void> => ctx.state.put('training-jobs', name, job);
    await save();
    const run = runTrainingJob(ctx, request, job, save).finally(() => running.delete(`training:${name}`));
    running.set(`training:${name}`, run);
    live.set(`training:${name}`, { job: job as unknown as Record<string, unknown>, save });
    void run.finally(() => live.delete(`training:${name}`));
    return { TrainingJobArn: arn };
  }

  async function describeTrainingJob(input: unknown): Promise<TrainingJobDescription> {
    const name = requireName(asObject(input).TrainingJobName, 'trainingJobName');
    const job = await ctx.state.get<TrainingJobDescription>('training-jobs', name);
    if (job === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        `Requested resource not found: ${sagemakerArn(ctx, 'training-job', name)}`,
      );
    }
    return job;
  }

  async function createModel(input: unknown): Promise<{ ModelArn: string }> {
    const request = asObject(input);
    const name = requireName(request.ModelName, 'modelName');
    const arn = sagemakerArn(ctx, 'model', name);
    if ((await ctx.state.get('models', name)) !== undefined) {
      throw new SageMakerApiError('ValidationException', `Cannot create already existing model "${arn}".`);
    }
    const container = (request.PrimaryContainer ?? (request.Containers as unknown[] | undefined)?.[0]) as
      | ModelDescription['PrimaryContainer']
      | undefined;
    if (container === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        'Either PrimaryContainer or Containers must be given',
      );
    }
    const model: ModelDescription = {
      ModelName: name,
      ModelArn: arn,
      PrimaryContainer: container,
      ...(typeof request.ExecutionRoleArn === 'string' ? { ExecutionRoleArn: request.ExecutionRoleArn } : {}),
      CreationTime: ctx.now().toISOString(),
    };
    await ctx.state.put('models', name, model);
    return { ModelArn: arn };
  }

  async function describeModel(input: unknown): Promise<ModelDescription> {
    const name = requireName(asObject(input).ModelName, 'modelName');
    const model = await ctx.state.get<ModelDescription>('models', name);
    if (model === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        `Could not find model "${sagemakerArn(ctx, 'model', name)}".`,
      );
    }
    return model;
  }

  async function createTransformJob(input: unknown): Promise<{ TransformJobArn: string }> {
    const request = asObject(input) as CreateTransformJobRequest;
    const { name, modelName } = validateTransformRequest(request);
    const arn = sagemakerArn(ctx, 'transform-job', name);
    if ((await ctx.state.get('transform-jobs', name)) !== undefined || running.has(`transform:${name}`)) {
      throw new SageMakerApiError(
        'ResourceInUse',
        `Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`,
      );
    }
    const model = await describeModel({ ModelName: modelName });
    const job: TransformJobDescription = {
      TransformJobName: name,
      TransformJobArn: arn,
      TransformJobStatus: 'InProgress',
      ModelName: modelName,
      MaxConcurrentTransforms: request.MaxConcurrentTransforms ?? 1,
      MaxPayloadInMB: request.MaxPayloadInMB ?? 6,
      BatchStrategy: request.BatchStrategy ?? 'MultiRecord',
      Environment: { ...(request.Environment ?? {}) },
      TransformInput: {
        CompressionType: 'None',
        SplitType: 'None',
        ...request.TransformInput,
      },
      TransformOutput: { AssembleWith: 'None', ...request.TransformOutput },
      TransformResources: {
        ...(request.TransformResources ?? { InstanceType: 'ml.m5.large', InstanceCount: 1 }),
      },
      DataProcessing: { InputFilter: '$', OutputFilter: '$', JoinSource: 'None', ...request.DataProcessing },
      CreationTime: ctx.now().toISOString(),
    };
    const save = (): Promise<void> => ctx.state.put('transform-jobs', name, job);
    await save();
    const run = runTransformJob(ctx, request, job, model, save).finally(() =>
      running.delete(`transform:${name}`),
    );
    running.set(`transform:${name}`, run);
    live.set(`transform:${name}`, { job: job as unknown as Record<string, unknown>, save });
    void run.finally(() => live.delete(`transform:${name}`));
    return { TransformJobArn: arn };
  }

  async function describeTransformJob(input: unknown): Promise<TransformJobDescription> {
    const name = requireName(asObject(input).TransformJobName, 'transformJobName');
    const job = await ctx.state.get<TransformJobDescription>('transform-jobs', name);
    if (job === undefined) {
      throw new SageMakerApiError('ValidationException', `Could not find requested job with name ${name}`);
    }
    return job;
  }

  async function listJobs(kind: 'training-jobs' | 'transform-jobs', input: unknown): Promise<object> {
    const request = asObject(input);
    const jobs = await ctx.state.list<Record<string, unknown>>(kind);
    const training = kind === 'training-jobs';
    const status = request.StatusEquals;
    const summaries = jobs
      .filter(
        (j) => status === undefined || j[training ? 'TrainingJobStatus' : 'TransformJobStatus'] === status,
      )
      .sort((a, b) => String(b.CreationTime).localeCompare(String(a.CreationTime)))
      .map((j) =>
        training
          ? {
              TrainingJobName: j.TrainingJobName,
              TrainingJobArn: j.TrainingJobArn,
              CreationTime: j.CreationTime,
              TrainingEndTime: j.TrainingEndTime,
              LastModifiedTime: j.LastModifiedTime,
              TrainingJobStatus: j.TrainingJobStatus,
            }
          : {
              TransformJobName: j.TransformJobName,
              TransformJobArn: j.TransformJobArn,
              CreationTime: j.CreationTime,
              TransformEndTime: j.TransformEndTime,
              TransformJobStatus: j.TransformJobStatus,
              FailureReason: j.FailureReason,
            },
      );
    return { [training ? 'TrainingJobSummaries' : 'TransformJobSummaries']: summaries };
  }

  async function waitFor(key: string): Promise<void> {
    await running.get(key);
  }

  const operations: Record<string, (input: unknown) => Promise<object>> = {
    CreateTrainingJob: createTrainingJob,
    DescribeTrainingJob: describeTrainingJob,
    ListTrainingJobs: (input) => listJobs('training-jobs', input),
    StopTrainingJob: (input) => stopByName('training', input),
    StopTransformJob: (input) => stopByName('transform', input),
    CreateModel: createModel,
    DescribeModel: describeModel,
    CreateTransformJob: createTransformJob,
    DescribeTransformJob: describeTransformJob,
    ListTransformJobs: (input) => listJobs('transform-jobs', input),
    CreateModelPackageGroup: (input) => registry.createModelPackageGroup(asObject(input)),
    DescribeModelPackageGroup: (input) => registry.describeModelPackageGroup(asObject(input)),
    ListModelPackageGroups: (input) => registry.listModelPackageGroups(asObject(input)),
    CreateModelPackage: (input) => registry.createModelPackage(asObject(input)),
    DescribeModelPackage: (input) => registry.describeModelPackage(asObject(input)),
    ListModelPackages: (input) => registry.listModelPackages(asObject(input)),
    UpdateModelPackage: (input) => registry.updateModelPackage(asObject(input)),
  };

  /** Runs an API call for a state machine Task: API errors become SageMaker.AmazonSageMakerException. */
  async function task<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof SageMakerApiError) throw toStatesError(error);
      throw error;
    }
  }

  const resources: Record<string, (input: unknown) => Promise<unknown>> = {
    'arn:aws:states:::sagemaker:createTrainingJob': (input) => task(() => createTrainingJob(input)),
    'arn:aws:states:::sagemaker:createTrainingJob.sync': async (input) => {
      const name = String(asObject(input).TrainingJobName);
      await task(() => createTrainingJob(input));
      await waitFor(`training:${name}`);
      const job = await describeTrainingJob({ TrainingJobName: name });
      const rendered = renderDates(job, 'millis');
      if (job.TrainingJobStatus !== 'Completed')
        throw new StatesError('States.TaskFailed', JSON.stringify(rendered));
      return rendered;
    },
    'arn:aws:states:::sagemaker:createModel': (input) => task(() => createModel(input)),
    'arn:aws:states:::sagemaker:createTransformJob': (input) => task(() => createTransformJob(input)),
    'arn:aws:states:::sagemaker:createTransformJob.sync': async (input) => {
      const name = String(asObject(input).TransformJobName);
      await task(() => createTransformJob(input));
      await waitFor(`transform:${name}`);
      const job = await describeTransformJob({ TransformJobName: name });
      const rendered = renderDates(job, 'millis');
      if (job.TransformJobStatus !== 'Completed')
        throw new StatesError('States.TaskFailed', JSON.stringify(rendered));
      return rendered;
    },
  };

  return {
    resources,
    async api(operation: string, input: object): Promise<object> {
      const handler = operations[operation];
      if (handler === undefined) {
        throw new SageMakerApiError(
          'UnknownOperationException',
          `The operation ${operation} is not supported by the local SageMaker`,
        );
      }
      return renderDates(await handler(input), 'seconds') as object;
    },
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    async stopAll(): Promise<string[]> {
      const keys = [...live.keys()].filter((key) => !stopped.has(key));
      await Promise.all(keys.map(stopJob));
      return keys;
    },
  };
}
