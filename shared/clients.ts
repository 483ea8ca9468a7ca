/**
 * The one place AWS SDK clients are made. Handlers call these getters at module scope with the
 * {@link AwsSettings} they read at cold start; tests replace the clients' `send` with
 * aws-sdk-client-mock (`mockClient(S3Client)`), which works on every instance.
 *
 * The SDK (v3) honours `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL` by itself, which is how the
 * offline runtime points handlers at its loopback S3 endpoint; {@link AwsSettings.s3PathStyle} adds
 * path-style addressing for it.
 */

import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsSettings } from './config';
import { ObjectNotFoundError, SparkmakerError, TransientError } from './errors';

let s3: S3Client | undefined;
let sfn: SFNClient | undefined;
let sageMaker: SageMakerClient | undefined;
let sageMakerRuntime: SageMakerRuntimeClient | undefined;

function common(settings: AwsSettings): { region?: string; maxAttempts: number } {
  return settings.region === undefined
    ? { maxAttempts: settings.maxAttempts }
    : { region: settings.region, maxAttempts: settings.maxAttempts };
}

/** The S3 client of this process (made on first call, reused across invocations). */
export function s3Client(settings: AwsSettings): S3Client {
  s3 ??= new S3Client({ ...common(settings), forcePathStyle: settings.s3PathStyle });
  return s3;
}

/** The Step Functions client of this process. */
export function sfnClient(settings: AwsSettings): SFNClient {
  sfn ??= new SFNClient(common(settings));
  return sfn;
}

/** The SageMaker client of this process. */
export function sageMakerClient(settings: AwsSettings): SageMakerClient {
  sageMaker ??= new SageMakerClient(common(settings));
  return sageMaker;
}

/**
 * The SageMaker Runtime client (InvokeEndpoint) of this process. It makes one attempt per call:
 * `shared/endpoint` retries with its own policy, which also covers `ModelError`s of a 5xx container.
 */
export function sageMakerRuntimeClient(settings: AwsSettings): SageMakerRuntimeClient {
  sageMakerRuntime ??= new SageMakerRuntimeClient({ ...common(settings), maxAttempts: 1 });
  return sageMakerRuntime;
}

/** Error names AWS services use for throttling and momentary unavailability. */
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
]);

interface AwsLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** True for an SDK error that is worth retrying later: throttling, 5xx, a dropped connection. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  if (e.$retryable !== undefined) return true;
  if (typeof e.name === 'string' && TRANSIENT_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && TRANSIENT_NAMES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && (status === 429 || status >= 500);
}

/** True for S3's "no such key" in any of its shapes (GetObject `NoSuchKey`, HeadObject 404 `NotFound`). */
export function isNotFoundAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/**
 * Turns what a handler caught into the error it reports: sparkmaker errors pass through; AWS
 * throttling / 5xx become {@link TransientError} (state machines retry it with backoff); a missing S3
 * key becomes {@link ObjectNotFoundError}; anything else is returned unchanged.
 */
export function translateAwsError(error: unknown): unknown {
  if (error instanceof SparkmakerError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  if (isTransientAwsError(error)) {
    return new TransientError(`AWS call failed transiently (${name}): ${message}`, { cause: error });
  }
  if (isNotFoundAwsError(error)) {
    return new ObjectNotFoundError(`Object not found (${name}): ${message}`, { cause: error });
  }
  return error;
}
