import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FunctionDefinition, LambdaService } from '../../../../../local/services/lambda';
import {
  STATES_PAYLOAD_LIMIT,
  stepFunctionsInvoker,
} from '../../../../../local/services/lambda/step-functions';

const fixture = join(import.meta.dirname, 'fixtures', 'echo.ts');

function echo(overrides: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    name: 'echo',
    functionName: 'sparkmaker-dev-echo',
    handlerFile: fixture,
    handlerExport: 'handler',
    environment: { GREETING: 'hello from serverless.yml' },
    memorySize: 512,
    timeout: 3,
    ...overrides,
  };
}

describe('the local Lambda service', () => {
  it('runs the real handler module with its cold-start environment and a Lambda context', async () => {
    const service = new LambdaService({ functions: [echo()] });

    const result = await service.invoke('sparkmaker-dev-echo', { a: 1 });

    expect(result.functionError).toBeUndefined();
    expect(result.payload).toMatchObject({
      greeting: 'hello from serverless.yml',
      event: { a: 1 },
      functionName: 'sparkmaker-dev-echo',
      memory: '512',
      requestId: result.requestId,
    });
    expect((result.payload as { remaining: number }).remaining).toBeGreaterThan(2000);
    expect(process.env.GREETING).toBeUndefined();
  });

  it('finds a function by its short name, its ARN and a qualified ARN', async () => {
    const service = new LambdaService({ functions: [echo()] });
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-echo';

    const names = [service.resolve('echo'), service.resolve(arn), service.resolve(`${arn}:$LATEST`)];

    expect(names.map((fn) => fn.name)).toEqual(['echo', 'echo', 'echo']);
    expect(() => service.resolve('nope')).toThrow(/Function not found: nope/);
  });

  it('reports a thrown error as an Unhandled function error with the Node.js runtime envelope', async () => {
    const service = new LambdaService({ functions: [echo()] });

    const result = await service.invoke('echo', { fail: 'field input.uri is required' });

    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: 'InputValidationError',
      errorMessage: 'field input.uri is required',
    });
    expect((result.payload as { trace: string[] }).trace[0]).toContain('field input.uri is required');
  });

  it('fails an invocation that outruns the function timeout with Sandbox.Timedout', async () => {
    const service = new LambdaService({ functions: [echo({ timeout: 0.05 })] });

    const result = await service.invoke('echo', { sleepMs: 1000 });

    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 0.05 seconds'),
    });
  });

  it('returns null for a handler that returns nothing', async () => {
    const service = new LambdaService({ functions: [echo({ handlerExport: 'nothing' })] });

    const result = await service.invoke('echo', {});

    expect(result.payload).toBeNull();
  });

  it('fails the chosen invocations through the fault injector, counting attempts per payload', async () => {
    const seen: number[] = [];
    const service = new LambdaService({
      functions: [echo()],
      faults: ({ attempt }) => {
        seen.push(attempt);
        return attempt === 0 ? Object.assign(new Error('injected'), { name: 'TransientError' }) : undefined;
      },
    });

    const first = await service.invoke('echo', { shard: '00001' });
    const second = await service.invoke('echo', { shard: '00001' });

    expect(first.payload).toMatchObject({ errorType: 'TransientError', errorMessage: 'injected' });
    expect(second.functionError).toBeUndefined();
    expect(seen).toEqual([0, 1]);
  });
});

describe('the Step Functions binding of the local Lambda service', () => {
  it('fails with States.DataLimitExceeded when a result is over 256 KiB', async () => {
    const invoke = stepFunctionsInvoker(new LambdaService({ functions: [echo()] }));

    const result = await invoke('echo', { big: STATES_PAYLOAD_LIMIT }).catch((e: unknown) => e);

    expect(result).toMatchObject({ error: 'States.DataLimitExceeded' });
  });

  it('fails with States.DataLimitExceeded when a payload is over 256 KiB, before invoking', async () => {
    const invoke = stepFunctionsInvoker(new LambdaService({ functions: [echo()] }));

    const result = await invoke('echo', { data: 'y'.repeat(STATES_PAYLOAD_LIMIT) }).catch((e: unknown) => e);

    expect(result).toMatchObject({ error: 'States.DataLimitExceeded' });
  });

  it('passes a function error through for the Lambda integration to fail the task', async () => {
    const invoke = stepFunctionsInvoker(new LambdaService({ functions: [echo()] }));

    const result = await invoke('echo', { fail: 'bad' });

    expect(result).toMatchObject({
      functionError: 'Unhandled',
      payload: { errorType: 'InputValidationError' },
    });
  });
});
