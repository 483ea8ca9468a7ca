/**
 * Step Functions as a runtime plug-in: the `AWSStepFunctions` JSON API, and stopping every running
 * execution (as StopExecution) when the runtime is interrupted.
 */
import type { JsonApi, LocalService } from '../service';
import type { StepFunctionsService } from './index';
import { stepFunctionsApi } from './json-server';

/** The local Step Functions, as a {@link LocalService}. */
export class StepFunctionsLocalService implements LocalService {
  readonly name = 'sfn';

  readonly jsonApi: JsonApi;

  constructor(readonly stepFunctions: StepFunctionsService) {
    this.jsonApi = {
      target: 'AWSStepFunctions',
      endpointVariables: ['AWS_ENDPOINT_URL_SFN'],
      handle: stepFunctionsApi(stepFunctions),
    };
  }

  async stopAll(reason: string): Promise<void> {
    await this.stepFunctions.stopAll('sparkmaker.Interrupted', reason);
  }
}
