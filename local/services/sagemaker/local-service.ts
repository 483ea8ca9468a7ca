/**
 * SageMaker as a runtime plug-in: its Step Functions integrations (a `.sync` task whose execution
 * is stopped stops its job, as Step Functions calls StopTrainingJob / StopTransformJob), its JSON
 * API, and stopping every job in progress when the runtime is interrupted.
 */
import type { ResourceRegistry, TaskRequest } from '../../asl';
import type { LocalService } from '../service';
import type { SageMakerService } from './service';

/** The local SageMaker, as a {@link LocalService}. */
export class SageMakerLocalService implements LocalService {
  readonly name = 'sagemaker';

  constructor(readonly service: SageMakerService) {}

  readonly jsonApi = {
    target: 'SageMaker',
    endpointVariables: ['AWS_ENDPOINT_URL_SAGEMAKER'],
    handle: (operation: string, input: Record<string, unknown>): Promise<unknown> =>
      this.service.api(operation, input),
  };

  registerIntegrations(registry: ResourceRegistry): void {
    for (const [resource, handler] of Object.entries(this.service.resources)) {
      registry.register(resource, async (request: TaskRequest) => {
        const input = (request.input ?? {}) as Record<string, unknown>;
        const stop = resource.includes('TrainingJob.sync')
          ? () => this.service.api('StopTrainingJob', { TrainingJobName: input.TrainingJobName })
          : resource.includes('TransformJob.sync')
            ? () => this.service.api('StopTransformJob', { TransformJobName: input.TransformJobName })
            : undefined;
        const onAbort = () => void stop?.().catch(() => undefined);
        if (stop !== undefined) request.signal.addEventListener('abort', onAbort, { once: true });
        try {
          return await handler(request.input);
        } finally {
          request.signal.removeEventListener('abort', onAbort);
        }
      });
    }
  }

  async stopAll(): Promise<void> {
    await this.service.stopAll();
  }
}
