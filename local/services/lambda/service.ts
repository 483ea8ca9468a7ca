/**
 * Lambda as a runtime plug-in: the `lambda:invoke` and bare function ARN integrations (with the
 * Step Functions payload limit and `LogType: Tail`), over the sandbox pool of {@link LambdaService}.
 */
import { type ResourceRegistry, registerLambda } from '../../asl';
import type { LocalService } from '../service';
import type { LambdaService } from './index';
import { stepFunctionsInvoker } from './step-functions';

/** The local Lambda service, as a {@link LocalService}. */
export class LambdaLocalService implements LocalService {
  readonly name = 'lambda';

  constructor(readonly lambda: LambdaService) {}

  registerIntegrations(registry: ResourceRegistry): void {
    registerLambda(registry, stepFunctionsInvoker(this.lambda));
  }

  async stopAll(): Promise<void> {
    await this.lambda.close();
  }

  async close(): Promise<void> {
    await this.lambda.close();
  }
}
