/**
 * The local SageMaker Runtime: endpoints created through the local SageMaker API, served on a
 * loopback port for the handlers' real `@aws-sdk/client-sagemaker-runtime`
 * (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`), and the Step Functions integrations of the endpoint
 * lifecycle: the optimized `sagemaker:createEndpointConfig` / `sagemaker:createEndpoint`
 * (request-response, no `.sync`) and every `aws-sdk:sagemaker:<operation>` (DescribeEndpoint,
 * DeleteEndpoint, DeleteEndpointConfig, DeleteModel, DescribeTrainingJob, …). See `docs/sagemaker.md`.
 *
 * @example
 * const runtime = await startSageMakerRuntime({ store, stateDir, sageMakerApi: sagemaker.api });
 * process.env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME = runtime.url;
 * const api = runtime.routeApi(sagemaker.api); // endpoint operations here, the rest to SageMaker
 */
import { randomUUID } from 'node:crypto';
import { StatesError } from '../../asl/errors';
import type { ObjectStore } from '../object-store';
import { SageMakerApiError, toStatesError } from '../sagemaker/api-error';
import { renderDates } from '../sagemaker/service';
import { type EndpointDescription, EndpointService } from './endpoints';
import { type EndpointFaultInjector, startRuntimeServer } from './server';

export {
  type ContainerFactory,
  type EndpointConfigDescription,
  type EndpointDescription,
  EndpointService,
  registerRealtimeContainer,
} from './endpoints';
export { type EndpointFault, type EndpointFaultInjector, MAX_BODY_BYTES } from './server';
export { type ContainerResponse, type RealtimeContainer, xgboostRealtimeContainer } from './xgboost-realtime';

/** Options of {@link startSageMakerRuntime}. */
export interface SageMakerRuntimeOptions {
  readonly store: ObjectStore;
  readonly stateDir: string;
  /** The local SageMaker's JSON API (models, packages, training jobs). */
  readonly sageMakerApi: (operation: string, input: object) => Promise<object>;
  /** How long a new endpoint stays `Creating` (default 1000 ms; `SPARKMAKER_ENDPOINT_CREATE_MS`). */
  readonly createDelayMs?: number;
  /** The container's time to answer an invocation (default 60 000 ms). */
  readonly invocationTimeoutMs?: number;
  /** Test hook: fail or stall chosen invocations. */
  readonly faults?: EndpointFaultInjector;
  readonly region?: string;
  readonly accountId?: string;
  /** Fixed port (default: chosen by the OS). */
  readonly port?: number;
}

/** A running local SageMaker Runtime. */
export interface SageMakerRuntime {
  readonly url: string;
  readonly endpoints: EndpointService;
  /** Step Functions resources by ARN pattern. */
  readonly resources: ReadonlyArray<
    readonly [RegExp, (resource: string, input: unknown) => Promise<unknown>]
  >;
  /** InvokeEndpoint calls answered so far, by endpoint name. */
  readonly invocations: ReadonlyMap<string, number>;
  /** The SageMaker JSON API with the endpoint operations answered here and the rest by `fallback`. */
  routeApi(
    fallback: (operation: string, input: object) => Promise<object>,
  ): (operation: string, input: object) => Promise<object>;
  /** Endpoints that exist now (a run's summary says none were left behind). */
  list(): Promise<EndpointDescription[]>;
  close(): Promise<void>;
}

const AWS_SDK_EXCEPTIONS: Record<string, string> = {
  ResourceNotFound: 'ResourceNotFoundException',
  ResourceInUse: 'ResourceInUseException',
  ResourceLimitExceeded: 'ResourceLimitExceededException',
  ConflictException: 'ConflictException',
};

/** How an `aws-sdk:sagemaker:*` Task reports an API error: `SageMaker.<Exception>`. */
function awsSdkStatesError(error: SageMakerApiError): StatesError {
  const exception = AWS_SDK_EXCEPTIONS[error.code] ?? 'AmazonSageMakerException';
  return new StatesError(
    `SageMaker.${exception}`,
    `${error.message} (Service: SageMaker, Status Code: ${error.statusCode}, Request ID: ${randomUUID()})`,
  );
}

/** Starts the endpoint service and its runtime API; re-hosts endpoints a previous process left. */
export async function startSageMakerRuntime(options: SageMakerRuntimeOptions): Promise<SageMakerRuntime> {
  const runtime = createSageMakerRuntime(options);
  await runtime.listen();
  return runtime;
}

/** The local SageMaker Runtime before its endpoint listens (the runtime plug-in's first step). */
export interface SageMakerRuntimeHost extends SageMakerRuntime {
  /** Re-hosts the recorded endpoints and starts the runtime API. */
  listen(): Promise<{ url: string; close(): Promise<void> }>;
}

/** Builds the endpoint service and its integrations; {@link SageMakerRuntimeHost.listen} serves them. */
export function createSageMakerRuntime(options: SageMakerRuntimeOptions): SageMakerRuntimeHost {
  const envDelay = Number(process.env.SPARKMAKER_ENDPOINT_CREATE_MS);
  const endpoints = new EndpointService({
    store: options.store,
    stateDir: options.stateDir,
    sageMakerApi: options.sageMakerApi,
    createDelayMs: options.createDelayMs ?? (Number.isFinite(envDelay) && envDelay >= 0 ? envDelay : 1000),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
  });
  let server: Awaited<ReturnType<typeof startRuntimeServer>> | undefined;
  const invocations = new Map<string, number>();
  /** CreateModel of the local SageMaker, keeping the request's `Tags` (the abort clean-up finds models by tag). */
  const createModel = async (input: object): Promise<object> => {
    const result = (await options.sageMakerApi('CreateModel', input)) as { ModelArn?: string };
    const tags = (input as { Tags?: unknown }).Tags;
    if (Array.isArray(tags) && tags.length > 0 && typeof result.ModelArn === 'string') {
      await endpoints.api('AddTags', { ResourceArn: result.ModelArn, Tags: tags });
    }
    return result;
  };
  const call = (operation: string, input: object): Promise<object> =>
    endpoints.handles(operation)
      ? endpoints.api(operation, input)
      : operation === 'CreateModel'
        ? createModel(input)
        : options.sageMakerApi(operation, input);
  const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
  const resources: Array<readonly [RegExp, (resource: string, input: unknown) => Promise<unknown>]> = [
    [
      /^arn:aws:states:::sagemaker:(createModel|createEndpointConfig|createEndpoint)$/,
      async (resource, input) => {
        try {
          return await call(pascal(resource.slice(resource.lastIndexOf(':') + 1)), (input ?? {}) as object);
        } catch (error) {
          if (error instanceof SageMakerApiError) throw toStatesError(error);
          throw error;
        }
      },
    ],
    [
      /^arn:aws:states:::aws-sdk:sagemaker:[a-zA-Z]+$/,
      async (resource, input) => {
        try {
          const result = await call(
            pascal(resource.slice(resource.lastIndexOf(':') + 1)),
            (input ?? {}) as object,
          );
          return renderDates(result, 'millis');
        } catch (error) {
          if (error instanceof SageMakerApiError) throw awsSdkStatesError(error);
          throw error;
        }
      },
    ],
  ];
  return {
    get url(): string {
      if (server === undefined) throw new Error('the SageMaker Runtime endpoint is not listening yet');
      return server.url;
    },
    async listen() {
      await endpoints.restore();
      server = await startRuntimeServer({
        endpoints,
        invocations,
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
        ...(options.invocationTimeoutMs === undefined
          ? {}
          : { invocationTimeoutMs: options.invocationTimeoutMs }),
        ...(options.faults === undefined ? {} : { faults: options.faults }),
        ...(options.port === undefined ? {} : { port: options.port }),
      });
      const listening = server;
      return { url: listening.url, close: () => listening.close() };
    },
    endpoints,
    resources,
    invocations,
    routeApi: (fallback) => (operation, input) =>
      operation === 'CreateModel'
        ? createModel(input)
        : endpoints.handles(operation)
          ? endpoints.api(operation, input).then((r) => renderDates(r, 'seconds') as object)
          : fallback(operation, input),
    list: () => endpoints.endpoints(),
    close: async () => {
      await endpoints.settled();
      await server?.close();
      server = undefined;
    },
  };
}
