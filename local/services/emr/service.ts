/**
 * EMR Serverless as a runtime plug-in: the `emr-serverless:startJobRun[.sync]` integration, and
 * the cancellation of running job runs when the runtime is interrupted.
 */
import type { ResourceRegistry } from '../../asl';
import type { LocalService } from '../service';
import type { EmrServerless } from './index';

/** The local EMR Serverless, as a {@link LocalService}. */
export class EmrLocalService implements LocalService {
  readonly name = 'emr-serverless';

  constructor(readonly emr: EmrServerless) {}

  registerIntegrations(registry: ResourceRegistry): void {
    registry.register(/^arn:aws:states:::emr-serverless:startJobRun(\.sync)?$/, this.emr.startJobRunTask);
  }

  async stopAll(): Promise<void> {
    await this.emr.cancelAll();
  }
}
