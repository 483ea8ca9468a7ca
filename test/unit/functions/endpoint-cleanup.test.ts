import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
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
  });
});

import { handler } from '../../../functions/endpoint-cleanup';
import { lambdaContext } from './context';

const sm = mockClient(SageMakerClient);
const context = lambdaContext('endpoint-cleanup');
const RUN = 'arn:aws:states:us-east-1:000000000000:execution:sparkmaker-dev-scoring:score-1';
const OTHER = 'arn:aws:states:us-east-1:000000000000:execution:sparkmaker-dev-scoring:score-2';
const arn = (type: string, name: string) => `arn:aws:sagemaker:us-east-1:000000000000:${type}/${name}`;

function event(status: string, executionArn = RUN) {
  return {
    version: '0',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: { executionArn, status, name: 'score-1' },
  };
}

beforeEach(() => {
  sm.reset();
  const tags: Record<string, string> = {
    [arn('endpoint', 'sm-score-1')]: RUN,
    [arn('endpoint-config', 'sm-score-1')]: RUN,
    [arn('model', 'sm-score-1')]: RUN,
    [arn('endpoint', 'sm-score-2')]: OTHER,
  };
  sm.on(ListEndpointsCommand).resolves({
    Endpoints: ['sm-score-1', 'sm-score-2', 'theirs'].map((n) => ({
      EndpointName: n,
      EndpointArn: arn('endpoint', n),
      CreationTime: new Date(),
      LastModifiedTime: new Date(),
      EndpointStatus: 'InService',
    })),
  });
  sm.on(ListEndpointConfigsCommand).resolves({
    EndpointConfigs: [
      {
        EndpointConfigName: 'sm-score-1',
        EndpointConfigArn: arn('endpoint-config', 'sm-score-1'),
        CreationTime: new Date(),
      },
    ],
  });
  sm.on(ListModelsCommand).resolves({
    Models: [{ ModelName: 'sm-score-1', ModelArn: arn('model', 'sm-score-1'), CreationTime: new Date() }],
  });
  sm.on(ListTagsCommand).callsFake((input: { ResourceArn: string }) => ({
    Tags:
      tags[input.ResourceArn] === undefined
        ? []
        : [{ Key: 'sparkmaker:execution-arn', Value: tags[input.ResourceArn] }],
  }));
  sm.on(DeleteEndpointCommand).resolves({});
  sm.on(DeleteEndpointConfigCommand).resolves({});
  sm.on(DeleteModelCommand).resolves({});
});

describe('endpoint-cleanup', () => {
  it('deletes the endpoint, configuration and model tagged with the aborted execution, and nothing else', async () => {
    // Act
    const result = await handler(event('ABORTED'), context);
    // Assess
    expect(result).toEqual({
      executionArn: RUN,
      endpoints: ['sm-score-1'],
      endpointConfigs: ['sm-score-1'],
      models: ['sm-score-1'],
    });
    expect(sm.commandCalls(DeleteEndpointCommand).map((c) => c.args[0].input.EndpointName)).toEqual([
      'sm-score-1',
    ]);
    expect(sm.commandCalls(DeleteModelCommand)).toHaveLength(1);
  });

  it('counts a resource deleted meanwhile as deleted', async () => {
    // Prepare
    sm.on(DeleteEndpointCommand).rejects(
      Object.assign(new Error(`Could not find endpoint "${arn('endpoint', 'sm-score-1')}".`), {
        name: 'ValidationException',
      }),
    );
    // Act
    const result = await handler(event('TIMED_OUT'), context);
    // Assess
    expect(result.endpoints).toEqual(['sm-score-1']);
  });

  it('reports other SageMaker failures so that EventBridge retries the delivery', async () => {
    // Prepare
    sm.on(DeleteEndpointCommand).rejects(
      Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }),
    );
    // Act / Assess
    await expect(handler(event('ABORTED'), context)).rejects.toMatchObject({ name: 'TransientError' });
  });

  it('requires the execution ARN in the event detail', async () => {
    // Act / Assess
    await expect(handler({ detail: {} }, context)).rejects.toMatchObject({ name: 'InputValidationError' });
  });
});
