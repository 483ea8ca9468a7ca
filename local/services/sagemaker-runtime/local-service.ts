/**
 * The local SageMaker Runtime as a runtime plug-in: the endpoint lifecycle integrations
 * (`sagemaker:createEndpoint…`, `aws-sdk:sagemaker:*`), the SageMaker JSON API with the endpoint
 * operations added (it takes the `SageMaker` target over from the SageMaker plug-in and hands it the
 * other operations), and its own endpoint for InvokeEndpoint (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`).
 */
import type { ResourceRegistry, TaskRequest } from '../../asl';
import type { SageMakerService } from '../sagemaker';
import type { LocalService, OwnEndpoint } from '../service';
import { createSageMakerRuntime, type SageMakerRuntimeHost, type SageMakerRuntimeOptions } from './index';

/** The local endpoints, as a {@link LocalService}; list it after the SageMaker plug-in. */
export class SageMakerRuntimeLocalService implements LocalService {
  readonly name = 'sagemaker-runtime';
  readonly runtime: SageMakerRuntimeHost;

  constructor(sageMaker: SageMakerService, options: Omit<SageMakerRuntimeOptions, 'sageMakerApi'>) {
    this.runtime = createSageMakerRuntime({
      ...options,
      sageMakerApi: (operation, input) => sageMaker.api(operation, input),
    });
    const api = this.runtime.routeApi((operation, input) => sageMaker.api(operation, input));
    this.jsonApi = {
      target: 'SageMaker',
      endpointVariables: ['AWS_ENDPOINT_URL_SAGEMAKER'],
      handle: (operation: string, input: Record<string, unknown>): Promise<unknown> => api(operation, input),
    };
  }

  readonly jsonApi;

  registerIntegrations(registry: ResourceRegistry): void {
    for (const [pattern, handler] of this.runtime.resources) {
      registry.register(pattern, (request: TaskRequest) => handler(request.resource, request.input));
    }
  }

  async listen(): Promise<OwnEndpoint> {
    const { url, close } = await this.runtime.listen();
    return { url, endpointVariables: ['AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME'], close };
  }

  idle(): Promise<void> {
    return this.runtime.endpoints.settled();
  }

  async close(): Promise<void> {
    await this.runtime.close();
  }
}
