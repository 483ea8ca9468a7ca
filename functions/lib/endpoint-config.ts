/**
 * The endpoint part of a scoring run input (`"mode": "endpoint"`, `"endpoint": {…}`), validated and
 * normalised for the scoring state machine (docs/contracts.md). Attach from an existing endpoint
 * (`endpoint.name`: used as is, never deleted) or create one on this run and delete it at the end,
 * hosting the run's `model` (an S3 artifact plus `endpoint.image`, or the resolved model package), a
 * finished training job (`endpoint.trainingJobName`) or a model package (`endpoint.modelPackageArn`).
 * The names of what a run creates derive from the run id, so a retried state never creates twice.
 */
import { createHash } from 'node:crypto';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  endpointCodec,
  INVOKE_ENDPOINT_MAX_BODY_BYTES,
} from '../../shared/endpoint';
import type { FieldReader } from './fields';

/** Fields of `endpoint` in a scoring input. */
export const ENDPOINT_FIELDS = [
  'name',
  'trainingJobName',
  'modelPackageArn',
  'image',
  'algorithm',
  'instanceType',
  'instanceCount',
  'contentType',
  'maxRequestBytes',
  'pollSeconds',
  'maxWaitSeconds',
  'featureColumnsUri',
] as const;

/** The scoring modes. */
export type ScoringMode = 'lambda' | 'endpoint';

/** The normalised endpoint settings (null fields keep the state machine's JSONata simple). */
export interface EndpointSettings {
  /** `create`: this run creates the endpoint and deletes it at the end; `existing`: never deleted. */
  readonly policy: 'create' | 'existing';
  /** What the endpoint hosts: the run's resolved model, a training job, a model package, or nothing (existing). */
  readonly source: 'existing' | 'model' | 'trainingJob' | 'modelPackage';
  /** The endpoint's name; with `create`, also the name of the model and endpoint configuration. */
  readonly endpointName: string;
  readonly trainingJobName: string | null;
  readonly modelPackageArn: string | null;
  /** The inference image for an S3 model; null = the built-in XGBoost 1.7-1 image. */
  readonly image: string | null;
  /** Which serializer/deserializer the shards use (`xgboost`, …). */
  readonly algorithm: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly contentType: string;
  /** The InvokeEndpoint body cap (default 5 MiB, at most the service's 6 MiB). */
  readonly maxRequestBytes: number;
  /** First wait between DescribeEndpoint polls; it grows ×1.5 up to 60 s. */
  readonly pollSeconds: number;
  /** How long the run waits for InService before failing with EndpointFailedError. */
  readonly maxWaitSeconds: number;
  readonly featureColumnsUri: string | null;
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const NAME_HINT = "1-63 letters, digits and '-' (a SageMaker resource name)";

/**
 * The name a run gives what it creates: `sm-` + the run id, sanitised to `[a-zA-Z0-9-]`, no trailing
 * `-`; over 63 characters, its first 54, `-` and 8 hex digits of the run id's SHA-256 (the rule the
 * training workflow uses for its job names).
 */
export function endpointNameFor(runId: string): string {
  const name = `sm-${runId}`.replace(/[^a-zA-Z0-9-]/g, '-');
  if (name.length <= 63) return name.replace(/-+$/, '');
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

/** The algorithm an image URI names (`…/sagemaker-xgboost:1.7-1` → `xgboost`). */
export function algorithmOfImage(image: string): string | undefined {
  const repository = image.slice(image.lastIndexOf('/') + 1).split(':')[0] ?? '';
  const known: Record<string, string> = {
    'sagemaker-xgboost': 'xgboost',
    xgboost: 'xgboost',
    kmeans: 'kmeans',
    pca: 'pca',
    'linear-learner': 'linear-learner',
  };
  return known[repository];
}

/**
 * Reads `mode` and `endpoint` of a scoring input. `mode` defaults to `endpoint` when an `endpoint`
 * object is given, else `lambda`; `endpoint` is null in lambda mode.
 */
export function readEndpointSettings(
  root: FieldReader,
  runId: string,
): { mode: ScoringMode; endpoint: EndpointSettings | null } {
  const reader = root.object('endpoint', ENDPOINT_FIELDS);
  const mode = (root.string('mode', { allowed: ['lambda', 'endpoint'] }) ??
    (reader === undefined ? 'lambda' : 'endpoint')) as ScoringMode;
  if (mode === 'lambda') {
    if (reader !== undefined) {
      root.problem(
        'endpoint',
        'endpoint settings go with "mode": "endpoint"; leave them out for mode \'lambda\'',
      );
    }
    return { mode, endpoint: null };
  }
  const name = reader?.string('name', { pattern: NAME, patternHint: NAME_HINT }) ?? null;
  const trainingJobName =
    reader?.string('trainingJobName', { pattern: NAME, patternHint: NAME_HINT }) ?? null;
  const modelPackageArn =
    reader?.string('modelPackageArn', {
      pattern: /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/.+$/,
      patternHint:
        'a model package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
    }) ?? null;
  const sources = [name, trainingJobName, modelPackageArn].filter((s) => s !== null).length;
  if (sources > 1) {
    root.problem(
      'endpoint',
      'endpoint takes one of name (an existing endpoint), trainingJobName or modelPackageArn; without any, the run hosts its model',
    );
  }
  const image = reader?.string('image') ?? null;
  const algorithm =
    reader?.string('algorithm') ?? (image === null ? 'xgboost' : (algorithmOfImage(image) ?? 'xgboost'));
  const contentType = reader?.string('contentType') ?? 'text/csv';
  try {
    endpointCodec(algorithm, contentType);
  } catch (error) {
    root.problem('endpoint', error instanceof Error ? error.message : String(error));
  }
  const featureColumnsUri = reader?.string('featureColumnsUri', {
    pattern: /^s3:\/\/[^/]+\/.+/,
    patternHint: 's3://bucket/key',
  });
  return {
    mode,
    endpoint: {
      policy: name === null ? 'create' : 'existing',
      source:
        name !== null
          ? 'existing'
          : trainingJobName !== null
            ? 'trainingJob'
            : modelPackageArn !== null
              ? 'modelPackage'
              : 'model',
      endpointName: name ?? endpointNameFor(runId),
      trainingJobName,
      modelPackageArn,
      image,
      algorithm,
      instanceType:
        reader?.string('instanceType', {
          pattern: /^ml\.[a-z0-9]+\.[a-z0-9]+$/,
          patternHint: 'an instance type like ml.m5.large',
        }) ?? 'ml.m5.large',
      instanceCount: reader?.integer('instanceCount', { min: 1, max: 100 }) ?? 1,
      contentType,
      maxRequestBytes:
        reader?.integer('maxRequestBytes', { min: 1024, max: INVOKE_ENDPOINT_MAX_BODY_BYTES }) ??
        DEFAULT_MAX_REQUEST_BYTES,
      pollSeconds: reader?.integer('pollSeconds', { min: 1, max: 600 }) ?? 15,
      maxWaitSeconds: reader?.integer('maxWaitSeconds', { min: 1, max: 86_400 }) ?? 3600,
      featureColumnsUri: featureColumnsUri ?? null,
    },
  };
}
