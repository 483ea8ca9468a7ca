/**
 * schedule-trigger: the scoring schedule's target. EventBridge Scheduler invokes it with the
 * scheduled time and the run input; it starts the scoring state machine under a name made from the
 * scheduled time, so a retried invocation (Scheduler retries when it gets no answer, with a new
 * execution id each attempt) finds the run it already started and starts nothing.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sfnClient } from '../shared/clients';
import { awsSettings, Settings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { Payload } from './lib/payload';
import { scheduledExecutionName } from './lib/trigger';

const settings = new Settings(process.env, 'schedule-trigger');
const stateMachineArn = settings.string('SCORING_STATE_MACHINE_ARN');
const sfn = sfnClient(awsSettings(process.env, 'schedule-trigger'));

/** What the invocation did. */
export interface ScheduleTriggerResult {
  readonly name: string;
  readonly started: boolean;
  readonly executionArn?: string;
}

export const handler = lambdaHandler(
  'schedule-trigger',
  async (event: unknown, { logger, metrics }): Promise<ScheduleTriggerResult> => {
    const payload = new Payload(event, 'schedule-trigger');
    const name = scheduledExecutionName('score', payload.raw('scheduledTime'));
    payload.object('input'); // must be a JSON object: the scoring run input
    const input = JSON.stringify(payload.raw('input'));
    try {
      const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input }));
      logger.info('scheduled scoring run started', { name, executionArn: started.executionArn });
      metrics.addMetric('RunsStarted', MetricUnit.Count, 1);
      return { name, started: true, ...(started.executionArn ? { executionArn: started.executionArn } : {}) };
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
      logger.info('retried invocation: the scheduled run already exists', { name });
      metrics.addMetric('DuplicateInvocations', MetricUnit.Count, 1);
      return { name, started: false };
    }
  },
);
