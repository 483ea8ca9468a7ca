/**
 * CreateTrainingJob / DescribeTrainingJob for the built-in XGBoost image, run in-process: the
 * container contract (SPEC §3) — hyperparameters validated first, then the `train` / `validation`
 * channels read from the object store in their content type, training with the configured
 * backend, and `model.tar.gz` (member `xgboost-model`, JSON content) written to
 * `<S3OutputPath>/<TrainingJobName>/output/model.tar.gz`. A failure becomes `TrainingJobStatus`
 * `Failed` with the container's `FailureReason` (`ClientError: …` for user errors,
 * `AlgorithmError: …` otherwise).
 */
import { requireName, requireString, SageMakerApiError } from './api-error';
import { createModelTarGz } from './artifact';
import {
  alignChannels,
  ChannelError,
  channelFormat,
  downloadChannel,
  parseS3Uri,
  readChannel,
} from './channels';
import type { SageMakerContext } from './context';
import type { Dataset } from './xgboost/dataset';
import { HyperparameterError, validateHyperparameters } from './xgboost/hyperparameters';
import { NativeTrainingError } from './xgboost/native';
import { LabelError } from './xgboost/objective';
import { UnsupportedSettingError } from './xgboost/params';
import { TrainingFailure, trainXgboost } from './xgboost/train';

/** The CreateTrainingJob request fields the local service reads (PascalCase, as the API). */
export interface CreateTrainingJobRequest {
  readonly TrainingJobName?: string;
  readonly RoleArn?: string;
  readonly AlgorithmSpecification?: {
    readonly TrainingImage?: string;
    readonly TrainingInputMode?: string;
    readonly AlgorithmName?: string;
  };
  readonly HyperParameters?: Record<string, string>;
  readonly InputDataConfig?: ReadonlyArray<{
    readonly ChannelName?: string;
    readonly ContentType?: string;
    readonly CompressionType?: string;
    readonly DataSource?: {
      readonly S3DataSource?: { readonly S3Uri?: string; readonly S3DataType?: string };
    };
  }>;
  readonly OutputDataConfig?: { readonly S3OutputPath?: string };
  readonly ResourceConfig?: Record<string, unknown>;
  readonly StoppingCondition?: Record<string, unknown>;
  readonly Tags?: unknown;
  readonly [key: string]: unknown;
}

/** DescribeTrainingJob, as stored (dates as ISO strings; the service renders them per protocol). */
export interface TrainingJobDescription {
  TrainingJobName: string;
  TrainingJobArn: string;
  TrainingJobStatus: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  SecondaryStatus: string;
  FailureReason?: string;
  ModelArtifacts: { S3ModelArtifacts: string };
  HyperParameters: Record<string, string>;
  AlgorithmSpecification: Record<string, unknown>;
  RoleArn?: string;
  InputDataConfig: unknown[];
  OutputDataConfig: Record<string, unknown>;
  ResourceConfig: Record<string, unknown>;
  StoppingCondition: Record<string, unknown>;
  CreationTime: string;
  TrainingStartTime?: string;
  TrainingEndTime?: string;
  LastModifiedTime: string;
  SecondaryStatusTransitions: Array<{
    Status: string;
    StartTime: string;
    EndTime?: string;
    StatusMessage: string;
  }>;
  FinalMetricDataList?: Array<{ MetricName: string; Value: number; Timestamp: string }>;
  TrainingTimeInSeconds?: number;
  BillableTimeInSeconds?: number;
  EnableNetworkIsolation: boolean;
  EnableInterContainerTrafficEncryption: boolean;
  EnableManagedSpotTraining: boolean;
  /** Local extension: which trainer ran (`embedded` or `native`). Not part of the AWS shape. */
  LocalBackend?: string;
}

/** A user-caused failure (`ClientError:` prefix), as the container's `exc.UserError`. */
function isClientError(error: unknown): boolean {
  return (
    error instanceof HyperparameterError ||
    error instanceof ChannelError ||
    error instanceof LabelError ||
    error instanceof UnsupportedSettingError ||
    error instanceof TrainingFailure
  );
}

/** The `FailureReason` text for an error raised while the job runs. */
export function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (isClientError(error)) return `ClientError: ${message}`;
  if (error instanceof NativeTrainingError)
    return `AlgorithmError: XGB train call failed with exception:\n ${message}`;
  return `AlgorithmError: ${message}`;
}

/** Validates the request the way the API does (synchronously, before a job exists). */
export function validateTrainingRequest(request: CreateTrainingJobRequest): {
  name: string;
  image: string;
  outputPath: string;
} {
  const name = requireName(request.TrainingJobName, 'trainingJobName');
  const image = requireString(
    request.AlgorithmSpecification?.TrainingImage ?? request.AlgorithmSpecification?.AlgorithmName,
    'algorithmSpecification.trainingImage',
  );
  const outputPath = requireString(request.OutputDataConfig?.S3OutputPath, 'outputDataConfig.s3OutputPath');
  try {
    parseS3Uri(outputPath);
  } catch (error) {
    throw new SageMakerApiError(
      'ValidationException',
      `S3OutputPath must be an s3:// URI, got '${outputPath}' (${(error as Error).message})`,
    );
  }
  for (const [key, value] of Object.entries(request.HyperParameters ?? {})) {
    if (typeof value !== 'string') {
      throw new SageMakerApiError(
        'ValidationException',
        `1 validation error detected: Value at 'hyperParameters' failed to satisfy constraint: Map value for key '${key}' must be a string`,
      );
    }
  }
  if (Object.keys(request.HyperParameters ?? {}).length > 100) {
    throw new SageMakerApiError('ValidationException', 'HyperParameters may have at most 100 entries');
  }
  return { name, image, outputPath };
}

/** Whether a training image is the built-in XGBoost algorithm (any registry, any tag). */
export function isXgboostImage(image: string): boolean {
  return /xgboost/i.test(image);
}

/** `s3://b/p` + `name/output/model.tar.gz`, with exactly one slash between. */
export function artifactUri(outputPath: string, jobName: string): string {
  return `${outputPath.replace(/\/+$/, '')}/${jobName}/output/model.tar.gz`;
}

/** Runs the job body and fills the description in place; never throws for job failures. */
export async function runTrainingJob(
  ctx: SageMakerContext,
  request: CreateTrainingJobRequest,
  job: TrainingJobDescription,
  save: () => Promise<void>,
): Promise<void> {
  const transition = async (status: string, message: string): Promise<void> => {
    const now = ctx.now().toISOString();
    const last = job.SecondaryStatusTransitions[job.SecondaryStatusTransitions.length - 1];
    if (last !== undefined) last.EndTime = now;
    job.SecondaryStatusTransitions.push({ Status: status, StartTime: now, StatusMessage: message });
    job.SecondaryStatus = status;
    job.LastModifiedTime = now;
    await save();
  };
  const started = ctx.now();
  try {
    await transition('Starting', 'Preparing the instances for training');
    const image = job.AlgorithmSpecification.TrainingImage as string | undefined;
    if (image !== undefined && !isXgboostImage(image)) {
      throw new Error(
        `the offline SageMaker runs only the built-in XGBoost algorithm; training image '${image}' is not supported`,
      );
    }
    const hp = validateHyperparameters(request.HyperParameters ?? {});
    await transition('Downloading', 'Downloading input data');
    job.TrainingStartTime = ctx.now().toISOString();
    const channels = new Map<string, { uri: string; contentType: string | undefined; dataType: string }>();
    for (const channel of request.InputDataConfig ?? []) {
      const channelName = channel.ChannelName ?? '';
      if (channelName !== 'train' && channelName !== 'validation') {
        throw new ChannelError(`Extraneous channel found: ${channelName}`);
      }
      const uri = channel.DataSource?.S3DataSource?.S3Uri;
      if (uri === undefined)
        throw new ChannelError(`Channel '${channelName}' has no DataSource.S3DataSource.S3Uri`);
      if (channel.CompressionType !== undefined && channel.CompressionType !== 'None') {
        throw new ChannelError(
          `CompressionType '${channel.CompressionType}' is not supported by the XGBoost algorithm`,
        );
      }
      channels.set(channelName, {
        uri,
        contentType: channel.ContentType,
        dataType: channel.DataSource?.S3DataSource?.S3DataType ?? 'S3Prefix',
      });
    }
    const trainChannel = channels.get('train');
    if (trainChannel === undefined) throw new ChannelError('Missing required channel: train');
    const csvWeights = hp.csv_weights === 1;
    const load = async (channelName: string): Promise<Dataset | undefined> => {
      const channel = channels.get(channelName);
      if (channel === undefined) return undefined;
      const format = channelFormat(channel.contentType);
      const files = await downloadChannel(
        ctx.store,
        channel.uri,
        channel.dataType === 'ManifestFile' ? 'ManifestFile' : 'S3Prefix',
      );
      if (files.length === 0) {
        throw new ChannelError(
          `No data in ${channelName} channel path ${channel.uri}: no objects under that prefix`,
        );
      }
      return readChannel(files, format, { csvWeights, channel: channelName });
    };
    const [train, validation] = alignChannels((await load('train'))!, await load('validation'));
    await transition('Training', 'Training image download completed. Training in progress.');
    const result = await trainXgboost(train, validation, hp, ctx.backend);
    job.LocalBackend = result.backend;
    await transition('Uploading', 'Uploading generated training model');
    const uri = artifactUri(job.OutputDataConfig.S3OutputPath as string, job.TrainingJobName);
    const { bucket, key } = parseS3Uri(uri);
    await ctx.store.putObject(
      bucket,
      key,
      createModelTarGz([{ name: 'xgboost-model', data: result.modelJson }]),
    );
    job.ModelArtifacts = { S3ModelArtifacts: uri };
    const last = result.evalLog[result.evalLog.length - 1] ?? {};
    const timestamp = ctx.now().toISOString();
    job.FinalMetricDataList = Object.entries(last)
      .filter(([, value]) => Number.isFinite(value))
      .map(([name, value]) => ({ MetricName: name.replace('-', ':'), Value: value, Timestamp: timestamp }));
    job.TrainingJobStatus = 'Completed';
    await transition('Completed', 'Training job completed');
  } catch (error) {
    job.TrainingJobStatus = 'Failed';
    job.FailureReason = failureReason(error);
    await transition('Failed', 'Training job failed');
  } finally {
    const end = ctx.now();
    job.TrainingEndTime = end.toISOString();
    const last = job.SecondaryStatusTransitions[job.SecondaryStatusTransitions.length - 1];
    if (last !== undefined) last.EndTime = end.toISOString();
    const seconds = Math.max(1, Math.round((end.getTime() - started.getTime()) / 1000));
    job.TrainingTimeInSeconds = seconds;
    job.BillableTimeInSeconds = seconds;
    job.LastModifiedTime = end.toISOString();
    await save();
  }
}
