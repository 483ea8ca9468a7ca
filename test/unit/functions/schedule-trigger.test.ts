import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
    SCORING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:scoring',
  });
});

import { scheduledExecutionName } from '../../../functions/lib/trigger';
import { handler } from '../../../functions/schedule-trigger';
import { InputValidationError } from '../../../shared/errors';
import { lambdaContext } from './context';

const sfn = mockClient(SFNClient);
const context = lambdaContext('schedule-trigger');
const input = { input: { uri: 's3://d/scoring/incoming/', format: 'csv' }, onNothingToScore: 'succeed' };

describe('schedule-trigger', () => {
  beforeEach(() => sfn.reset());

  it('starts the scoring run named after the scheduled time, with the schedule input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    const result = await handler({ scheduledTime: '2026-12-04T06:00:00Z', input }, context);
    expect(result).toEqual({ name: 'score-20261204T060000Z', started: true, executionArn: 'arn:exec' });
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:scoring',
      name: 'score-20261204T060000Z',
      input: JSON.stringify(input),
    });
  });

  it('starts nothing when a retried invocation finds the run of that scheduled time', async () => {
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const result = await handler({ scheduledTime: '2026-12-04T06:00:00Z', input }, context);
    expect(result).toEqual({ name: 'score-20261204T060000Z', started: false });
  });

  it('rejects a scheduled time that is not ISO 8601 UTC, naming the field', async () => {
    const error = await handler({ scheduledTime: 'tomorrow', input }, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('scheduledTime');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('scheduledExecutionName', () => {
  it('gives each scheduled time one valid execution name, whatever the attempt', () => {
    expect(scheduledExecutionName('score', '2026-12-04T06:00:00Z')).toBe('score-20261204T060000Z');
    expect(scheduledExecutionName('score', '2026-12-04T06:00:00.000Z')).toBe('score-20261204T060000Z');
    expect(scheduledExecutionName('score', '2026-12-04T06:00:00Z')).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
  });
});
