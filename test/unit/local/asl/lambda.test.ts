import { describe, expect, it } from 'vitest';
import type { LambdaInvokeResult } from '../../../../local/asl/index';
import { ResourceRegistry, registerLambda } from '../../../../local/asl/index';
import { execute, single, types } from './helpers';

function lambdas(behaviour: (name: string, payload: unknown) => LambdaInvokeResult) {
  const calls: { name: string; payload: unknown }[] = [];
  const registry = new ResourceRegistry();
  registerLambda(registry, async (name, payload) => {
    calls.push({ name, payload });
    return behaviour(name, payload);
  });
  return { calls, registry };
}

describe('registerLambda', () => {
  it('wraps the payload in the Invoke response for lambda:invoke', async () => {
    const { calls, registry } = lambdas((_n, payload) => ({ payload: { got: payload } }));
    const result = await execute(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'fn', Qualifier: 'live', 'Payload.$': '$' },
      }),
      { a: 1 },
      { registry },
    );
    expect(calls).toEqual([{ name: 'fn:live', payload: { a: 1 } }]);
    expect(result.output).toMatchObject({
      ExecutedVersion: '$LATEST',
      Payload: { got: { a: 1 } },
      StatusCode: 200,
      SdkHttpMetadata: { HttpStatusCode: 200 },
    });
  });

  it('sends a string Payload as raw JSON text and no Payload as {}', async () => {
    const { calls, registry } = lambdas(() => ({ payload: null }));
    await execute(
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'f', Payload: '{"x":1}' },
            Next: 'B',
          },
          B: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: 'f' },
            End: true,
          },
        },
      },
      {},
      { registry },
    );
    expect(calls.map((c) => c.payload)).toEqual([{ x: 1 }, {}]);
  });

  it('returns the raw output for a bare function ARN and records Lambda events', async () => {
    const { calls, registry } = lambdas((_n, payload) => ({ payload }));
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:echo';
    const result = await execute(single({ Type: 'Task', Resource: arn }), { a: 1 }, { registry });
    expect(calls[0]!.name).toBe(arn);
    expect(result.output).toEqual({ a: 1 });
    expect(types(result.events)).toEqual(
      expect.arrayContaining(['LambdaFunctionScheduled', 'LambdaFunctionStarted', 'LambdaFunctionSucceeded']),
    );
  });

  it('fails the task with errorType and the JSON envelope when the function raises', async () => {
    const envelope = { errorMessage: 'bad', errorType: 'ValueError', requestId: 'r', stackTrace: [] };
    const { registry } = lambdas(() => ({ payload: envelope, functionError: 'Unhandled' }));
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' } }),
      {},
      { registry },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'ValueError', cause: JSON.stringify(envelope) });
  });

  it('reports a function error compactly for lambda:invoke and verbatim for a bare function ARN', async () => {
    const raw = '{"errorMessage": "bad", "errorType": "ValueError"}';
    const { registry } = lambdas(() => ({
      payload: JSON.parse(raw),
      rawPayload: raw,
      functionError: 'Unhandled',
    }));
    const optimized = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' } }),
      {},
      { registry },
    );
    const bare = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:f' }),
      {},
      { registry },
    );
    expect(optimized).toMatchObject({
      error: 'ValueError',
      cause: '{"errorMessage":"bad","errorType":"ValueError"}',
    });
    expect(bare).toMatchObject({ error: 'ValueError', cause: raw });
  });

  it('sets Content-Length from the raw response body when the invoker gives it', async () => {
    const { registry } = lambdas(() => ({ payload: { a: 1 }, rawPayload: '{"a": 1}' }));
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'f' } }),
      {},
      { registry },
    );
    expect(result.output).toMatchObject({ SdkHttpMetadata: { HttpHeaders: { 'Content-Length': '8' } } });
  });

  it('keeps a string error payload as the cause text verbatim', async () => {
    const text = '{"errorMessage": "x", "errorType": "Exception"}';
    const { registry } = lambdas(() => ({ payload: text, functionError: 'Handled' }));
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:f' }),
      {},
      { registry },
    );
    expect(result).toMatchObject({ error: 'Lambda.Unknown', cause: text });
  });

  it('records LambdaFunctionTimedOut with States.Timeout when a bare-ARN task times out', async () => {
    const registry = new ResourceRegistry();
    registerLambda(registry, () => new Promise(() => undefined));
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:slow', TimeoutSeconds: 1 }),
      {},
      { registry },
    );
    expect(result.error).toBe('States.Timeout');
    expect(result.events.find((e) => e.type === 'LambdaFunctionTimedOut')).toMatchObject({
      lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' },
    });
    expect(result.events.find((e) => e.type === 'LambdaFunctionScheduled')).toMatchObject({
      lambdaFunctionScheduledEventDetails: { timeoutInSeconds: 1, input: '{}' },
    });
  });
});
