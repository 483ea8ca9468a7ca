import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../../../../local/asl';
import { StepFunctionsService } from '../../../../../local/services/sfn';
import {
  type JsonEndpoint,
  startJsonServer,
  stepFunctionsApi,
} from '../../../../../local/services/sfn/json-server';

describe('the local Step Functions API driven by @aws-sdk/client-sfn', () => {
  let stateDir: string;
  let service: StepFunctionsService;
  let endpoint: JsonEndpoint;
  let client: SFNClient;
  let arn: string;
  let blockedArn: string;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-sfn-'));
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const registry = new ResourceRegistry().register('arn:aws:states:::local:gate', async (request) => {
      await gate;
      return request.input;
    });
    service = new StepFunctionsService({ registry, stateDir });
    arn = service.createStateMachine('demo', {
      StartAt: 'Wait',
      States: { Wait: { Type: 'Task', Resource: 'arn:aws:states:::local:gate', End: true } },
    });
    registry.register('arn:aws:states:::local:never', (request) => {
      return new Promise((_, reject) =>
        request.signal.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    blockedArn = service.createStateMachine('blocked', {
      StartAt: 'Never',
      States: { Never: { Type: 'Task', Resource: 'arn:aws:states:::local:never', End: true } },
    });
    endpoint = await startJsonServer({ AWSStepFunctions: stepFunctionsApi(service) });
    client = new SFNClient({
      endpoint: endpoint.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  afterAll(async () => {
    release();
    client.destroy();
    await endpoint.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('starts an execution and returns the same one for a repeated start with the same input while it runs', async () => {
    const first = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'run-1', input: '{"a":1}' }),
    );

    const again = await client.send(
      new StartExecutionCommand({ stateMachineArn: arn, name: 'run-1', input: '{"a":1}' }),
    );
    const different = await client
      .send(new StartExecutionCommand({ stateMachineArn: arn, name: 'run-1', input: '{"a":2}' }))
      .catch((e: unknown) => e);

    expect(first.executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:demo:run-1');
    expect(first.startDate).toBeInstanceOf(Date);
    expect(again.executionArn).toBe(first.executionArn);
    expect(different).toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('describes, lists and returns the history of an execution, and persists it', async () => {
    release();
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:demo:run-1';
    await service.waitFor(executionArn);

    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    const rest = await client.send(
      new GetExecutionHistoryCommand({
        executionArn,
        ...(history.nextToken ? { nextToken: history.nextToken } : {}),
      }),
    );
    const persisted = JSON.parse(await readFile(join(stateDir, 'executions', 'demo', 'run-1.json'), 'utf8'));

    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '{"a":1}', name: 'run-1' });
    expect(listed.executions?.map((e) => e.name)).toEqual(['run-1']);
    expect(history.events?.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered']);
    expect(history.events?.[0]?.timestamp).toBeInstanceOf(Date);
    expect(rest.events?.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(persisted).toMatchObject({ status: 'SUCCEEDED', name: 'run-1', output: '{"a":1}' });
  });

  it('refuses to reuse the name of a finished execution, even with the same input', async () => {
    const again = await client
      .send(new StartExecutionCommand({ stateMachineArn: arn, name: 'run-1', input: '{"a":1}' }))
      .catch((e: unknown) => e);

    expect(again).toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('reports an unknown state machine and an unknown execution by their AWS error names', async () => {
    const machine = await client
      .send(new StartExecutionCommand({ stateMachineArn: `${arn}-nope`, input: '{}' }))
      .catch((e: unknown) => e);
    const execution = await client
      .send(
        new DescribeExecutionCommand({ executionArn: `${arn.replace('stateMachine', 'execution')}:nope` }),
      )
      .catch((e: unknown) => e);

    expect(machine).toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(execution).toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('stops a running execution, which then reports ABORTED', async () => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: blockedArn, name: 'to-stop', input: '{}' }),
    );

    await client.send(
      new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stopped by hand' }),
    );
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));

    expect(described.status).toBe('ABORTED');
  });

  it('refuses input that is not JSON', async () => {
    const bad = await client
      .send(new StartExecutionCommand({ stateMachineArn: arn, name: 'bad', input: '{oops' }))
      .catch((e: unknown) => e);

    expect(bad).toMatchObject({ name: 'InvalidExecutionInput' });
  });
});
