/**
 * endpoint-cleanup: the target of the EventBridge rule on a scoring execution's ABORTED / TIMED_OUT
 * status change ("Step Functions Execution Status Change", source `aws.states`). Deletes the
 * endpoint, endpoint configuration and model tagged with the execution's ARN
 * (`sparkmaker:execution-arn`), which a stopped execution could not delete itself.
 */
import { sageMakerClient } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { type CleanupResult, cleanupExecution } from './lib/endpoint-cleanup';
import { Payload } from './lib/payload';

const sm = sageMakerClient(awsSettings(process.env, 'endpoint-cleanup'));

export const handler = lambdaHandler(
  'endpoint-cleanup',
  async (event: unknown, { logger, metrics }): Promise<CleanupResult> => {
    const detail = new Payload(event, 'endpoint-cleanup').object('detail');
    const executionArn = detail.string('executionArn');
    const result = await cleanupExecution(sm, executionArn);
    logger.info('endpoint resources of the execution deleted', {
      executionArn,
      status: detail.optionalString('status'),
      endpoints: result.endpoints,
      endpointConfigs: result.endpointConfigs,
      models: result.models,
    });
    metrics.addMetric('EndpointsDeleted', MetricUnit.Count, result.endpoints.length);
    return result;
  },
);
