/**
 * s3-trigger: EventBridge "Object Created" on the data bucket's `incoming/` prefix → StartExecution of
 * the training state machine. The execution name derives from bucket, key and version id (ETag in an
 * unversioned bucket), so a duplicate
 * event (EventBridge delivers at least once) finds ExecutionAlreadyExists and does nothing. Keys that
 * are not data (`_SUCCESS`, folders, unknown extensions, empty objects) are ignored.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../shared/clients';
import { awsSettings, Settings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { createdObjects, executionName, formatOfKey, runInput } from './lib/trigger';

const settings = new Settings(process.env, 's3-trigger');
const stateMachineArn = settings.string('TRAINING_STATE_MACHINE_ARN');
const sfn = sfnClient(awsSettings(process.env, 's3-trigger'));

/** What happened to each announced object. */
export interface TriggerResult {
  readonly started: { readonly name: string; readonly executionArn: string }[];
  readonly duplicates: string[];
  readonly ignored: string[];
}

export const handler = lambdaHandler('s3-trigger', async (event: unknown, { logger, metrics }) => {
  const result: TriggerResult = { started: [], duplicates: [], ignored: [] };
  for (const object of createdObjects(event)) {
    const format = formatOfKey(object.key, object.size);
    if (format === undefined) {
      logger.info('ignoring a key that is not data', { bucket: object.bucket, key: object.key });
      result.ignored.push(object.key);
      continue;
    }
    const name = executionName('train', object);
    try {
      const started = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(runInput(object, format)) }),
      );
      logger.info('training run started', { name, executionArn: started.executionArn });
      result.started.push({ name, executionArn: started.executionArn ?? '' });
      metrics.addMetric('RunsStarted', MetricUnit.Count, 1);
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
      logger.info('duplicate event: the run already exists', { name });
      result.duplicates.push(name);
      metrics.addMetric('DuplicateEvents', MetricUnit.Count, 1);
    }
  }
  return result;
});
