/**
 * The plug-in interface of the offline runtime: every local AWS service (S3, Lambda, Step Functions,
 * EventBridge, EMR Serverless, SageMaker…) is a {@link LocalService}. The runtime loops over them:
 * it registers their Step Functions integrations in the interpreter's resource registry, serves
 * their AWS APIs (a JSON-protocol target on the shared endpoint, or an HTTP endpoint of their own),
 * hands every function the SDK endpoint variables that point at them, stops their work when runs
 * end, and shuts them down.
 */
import type { ResourceRegistry } from '../asl';
import type { JsonOperationHandler } from './sfn/json-server';

/** An AWS JSON-protocol API (awsJson1_0/1_1) served on the runtime's shared endpoint. */
export interface JsonApi {
  /** The `X-Amz-Target` prefix, e.g. `AWSStepFunctions`, `SageMaker`, `AWSEvents`. */
  readonly target: string;
  readonly handle: JsonOperationHandler;
  /** The SDK variables that must point at the endpoint, e.g. `AWS_ENDPOINT_URL_SFN`. */
  readonly endpointVariables: readonly string[];
}

/** An HTTP endpoint a service runs itself (S3's REST API). */
export interface OwnEndpoint {
  readonly url: string;
  /** The SDK variables that must point at it, e.g. `AWS_ENDPOINT_URL_S3`. */
  readonly endpointVariables: readonly string[];
  close(): Promise<void>;
}

/** One local AWS service, as the runtime drives it. */
export interface LocalService {
  /** A short name for messages (`s3`, `lambda`, `sfn`…). */
  readonly name: string;
  /** Registers the service's Step Functions integrations (resource ARN → task handler). */
  registerIntegrations?(registry: ResourceRegistry): void;
  /** Its AWS API on the shared JSON endpoint. */
  readonly jsonApi?: JsonApi;
  /** Starts its own HTTP endpoint (`port` 0 or absent: any free port). */
  listen?(): Promise<OwnEndpoint>;
  /** Called once every endpoint is up (triggers, schedules). */
  start?(): void | Promise<void>;
  /** Stops the work in flight (jobs, invocations), as when the runtime is interrupted. */
  stopAll?(reason: string): Promise<void>;
  /** Waits until nothing the service started in the background is still running. */
  idle?(): Promise<void>;
  /** Releases its endpoints, workers and timers. */
  close?(): Promise<void>;
}
