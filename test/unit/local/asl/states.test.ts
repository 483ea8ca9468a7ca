import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../../../local/asl/index';
import { execute, single, types } from './helpers';

describe('Pass state', () => {
  it('passes its input through when it has no Result', async () => {
    const result = await execute(single({ Type: 'Pass' }), { a: 1 });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { a: 1 } });
  });

  it('outputs Result literally, without evaluating .$ keys inside it', async () => {
    const result = await execute(single({ Type: 'Pass', Result: { 'x.$': '$.a' } }), { a: 1 });
    expect(result.output).toEqual({ 'x.$': '$.a' });
  });

  it('places Result at ResultPath inside the input', async () => {
    const result = await execute(single({ Type: 'Pass', Result: 2, ResultPath: '$.b' }), { a: 1 });
    expect(result.output).toEqual({ a: 1, b: 2 });
  });
});

describe('Succeed state', () => {
  it('ends the execution with its input', async () => {
    const result = await execute({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } }, { ok: true });
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { ok: true } });
  });
});

describe('Fail state', () => {
  it('fails the execution with its Error and Cause', async () => {
    const result = await execute({
      StartAt: 'F',
      States: { F: { Type: 'Fail', Error: 'Boom', Cause: 'because' } },
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Boom', cause: 'because' });
  });

  it('reads ErrorPath and CausePath from the input', async () => {
    const result = await execute(
      { StartAt: 'F', States: { F: { Type: 'Fail', ErrorPath: '$.e', CausePath: '$.c' } } },
      { e: 'E1', c: 'C1' },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'E1', cause: 'C1' });
  });

  it('evaluates an intrinsic function in CausePath', async () => {
    const result = await execute(
      {
        StartAt: 'F',
        States: { F: { Type: 'Fail', Error: 'E', CausePath: "States.Format('item {} failed', $.id)" } },
      },
      { id: 7 },
    );
    expect(result.cause).toBe('item 7 failed');
  });

  it('leaves error and cause out of ExecutionFailed when the state names none', async () => {
    const result = await execute({ StartAt: 'F', States: { F: { Type: 'Fail' } } });
    expect(result.events.at(-1)).toMatchObject({ type: 'ExecutionFailed', executionFailedEventDetails: {} });
    expect(result.error).toBeUndefined();
  });
});

describe('Wait state', () => {
  it('waits Seconds (scaled by timeScale) and passes its input on', async () => {
    const started = Date.now();
    const result = await execute(single({ Type: 'Wait', Seconds: 20 }), { a: 1 }, { timeScale: 0.005 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(result.output).toEqual({ a: 1 });
  });

  it('reads SecondsPath from the input', async () => {
    const result = await execute(single({ Type: 'Wait', SecondsPath: '$.s' }), { s: 1 });
    expect(result.status).toBe('SUCCEEDED');
  });

  it('fails with States.Runtime when SecondsPath is negative', async () => {
    const result = await execute(single({ Type: 'Wait', SecondsPath: '$.s' }), { s: -1 });
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The SecondsPath parameter references a negative value: $.s == -1",
    });
  });

  it('accepts a Timestamp in the past and continues at once', async () => {
    const result = await execute(single({ Type: 'Wait', Timestamp: '2016-03-14T01:59:00Z' }), {});
    expect(result.status).toBe('SUCCEEDED');
  });

  it('rejects a TimestampPath value without a time zone', async () => {
    const result = await execute(single({ Type: 'Wait', TimestampPath: '$.t' }), {
      t: '2016-12-05T21:29:29',
    });
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toContain('does not reference a valid ISO-8601 extended offset date-time');
  });
});

describe('Task state', () => {
  it('calls the handler registered for its Resource with the effective Parameters', async () => {
    const seen: unknown[] = [];
    const registry = new ResourceRegistry().register('arn:aws:states:::events:putEvents', async (request) => {
      seen.push(request.input);
      return { FailedEntryCount: 0 };
    });
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', Parameters: { 'v.$': '$.v' } }),
      { v: 3 },
      { registry },
    );
    expect(seen).toEqual([{ v: 3 }]);
    expect(result.output).toEqual({ FailedEntryCount: 0 });
  });

  it('lets a later registration override an earlier, broader one', async () => {
    const registry = new ResourceRegistry()
      .register(/^arn:aws:states:::aws-sdk:/, async () => 'broad')
      .register('arn:aws:states:::aws-sdk:s3:getObject', async () => 'narrow');
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:getObject' }),
      {},
      { registry },
    );
    expect(result.output).toBe('narrow');
  });

  it('records TaskScheduled, TaskStarted and TaskSucceeded with resourceType and resource', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      async () => ({ ok: 1 }),
    );
    const result = await execute(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync',
        TimeoutSeconds: 60,
      }),
      {},
      { registry },
    );
    expect(types(result.events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    expect(result.events[2]).toMatchObject({
      taskScheduledEventDetails: {
        resourceType: 'sagemaker',
        resource: 'createTrainingJob.sync',
        region: 'us-east-1',
        parameters: '{}',
        timeoutInSeconds: 60,
      },
    });
  });

  it('fails with the handler error name and cause', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      async () => {
        const { StatesError } = await import('../../../../local/asl/index');
        throw new StatesError('Custom.Error', 'details');
      },
    );
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::x:y' }),
      {},
      { registry },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'Custom.Error', cause: 'details' });
    expect(result.events.find((e) => e.type === 'TaskFailed')).toMatchObject({
      taskFailedEventDetails: { error: 'Custom.Error', cause: 'details', resourceType: 'x', resource: 'y' },
    });
  });

  it('passes the context object with the task token to .waitForTaskToken handlers', async () => {
    const { sendTaskSuccess } = await import('../../../../local/asl/index');
    const registry = new ResourceRegistry().register(/waitForTaskToken$/, async (request) => {
      setTimeout(() => sendTaskSuccess(request.taskToken!, { echoed: request.input }), 5);
      return undefined;
    });
    const result = await execute(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
        Parameters: { 'token.$': '$$.Task.Token' },
      }),
      {},
      { registry },
    );
    const output = result.output as { echoed: { token: string } };
    expect(output.echoed.token).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('Choice state', () => {
  const machine = {
    StartAt: 'C',
    States: {
      C: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.n', NumericGreaterThan: 10, Next: 'Big' },
          {
            And: [
              { Variable: '$.s', IsPresent: true },
              { Variable: '$.s', StringMatches: 'a*z' },
            ],
            Next: 'AZ',
          },
        ],
        Default: 'Other',
      },
      Big: { Type: 'Pass', Result: 'big', End: true },
      AZ: { Type: 'Pass', Result: 'az', End: true },
      Other: { Type: 'Pass', Result: 'other', End: true },
    },
  };

  it('follows the first matching rule', async () => {
    expect((await execute(machine, { n: 11, s: 'abz' })).output).toBe('big');
  });

  it('evaluates And with IsPresent and StringMatches', async () => {
    expect((await execute(machine, { n: 1, s: 'abcz' })).output).toBe('az');
  });

  it('falls back to Default', async () => {
    expect((await execute(machine, { n: 1 })).output).toBe('other');
  });

  it('fails with States.NoChoiceMatched when nothing matches and there is no Default', async () => {
    const result = await execute(
      {
        StartAt: 'C',
        States: {
          C: { Type: 'Choice', Choices: [{ Variable: '$.n', NumericEquals: 1, Next: 'D' }] },
          D: { Type: 'Succeed' },
        },
      },
      { n: 2 },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.NoChoiceMatched' });
  });
});

describe('Parallel state', () => {
  it('outputs the branch outputs in branch order', async () => {
    const result = await execute(
      single({
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'A',
            States: {
              A: { Type: 'Wait', Seconds: 5, Next: 'A2' },
              A2: { Type: 'Pass', Result: 'a', End: true },
            },
          },
          { StartAt: 'B', States: { B: { Type: 'Pass', Result: 'b', End: true } } },
        ],
      }),
    );
    expect(result.output).toEqual(['a', 'b']);
    expect(types(result.events)).toContain('ParallelStateSucceeded');
  });

  it('fails with the failing branch error and stops the other branches', async () => {
    const result = await execute(
      single({
        Type: 'Parallel',
        Branches: [
          { StartAt: 'Slow', States: { Slow: { Type: 'Wait', Seconds: 100000, End: true } } },
          { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'BranchBoom', Cause: 'c' } } },
        ],
      }),
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'BranchBoom', cause: 'c' });
    expect(types(result.events)).toContain('ParallelStateFailed');
  });
});

describe('Map state (inline)', () => {
  it('runs the item processor for each item and keeps item order', async () => {
    const result = await execute(
      single({
        Type: 'Map',
        ItemsPath: '$.xs',
        ItemSelector: { 'value.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'k.$': '$.k' },
        ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
      }),
      { xs: ['a', 'b'], k: 1 },
    );
    expect(result.output).toEqual([
      { value: 'a', index: 0, k: 1 },
      { value: 'b', index: 1, k: 1 },
    ]);
  });

  it('runs at most MaxConcurrency iterations at a time', async () => {
    let running = 0;
    let peak = 0;
    const registry = new ResourceRegistry().register('arn:aws:states:::x:work', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return null;
    });
    await execute(
      single({
        Type: 'Map',
        MaxConcurrency: 3,
        ItemProcessor: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::x:work', End: true } },
        },
      }),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      { registry },
    );
    expect(peak).toBe(3);
  });

  it('runs at most 40 iterations at a time, as AWS does in Inline mode, even with MaxConcurrency 0', async () => {
    let running = 0;
    let peak = 0;
    const registry = new ResourceRegistry().register('arn:aws:states:::x:work', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return null;
    });
    await execute(
      single({
        Type: 'Map',
        MaxConcurrency: 0,
        ItemProcessor: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::x:work', End: true } },
        },
      }),
      Array.from({ length: 100 }, (_, i) => i),
      { registry },
    );
    expect(peak).toBe(40);
  });

  it('records MapStateStarted with the item count and one MapIterationStarted per item', async () => {
    const result = await execute(
      single({ Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } }),
      [1, 2],
    );
    expect(result.events.find((e) => e.type === 'MapStateStarted')).toMatchObject({
      mapStateStartedEventDetails: { length: 2 },
    });
    expect(types(result.events).filter((t) => t === 'MapIterationStarted')).toHaveLength(2);
  });

  it('fails with the failing iteration error', async () => {
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: { StartAt: 'F', States: { F: { Type: 'Fail', Error: 'ItemBad' } } },
      }),
      [1],
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'ItemBad' });
    expect(types(result.events)).toEqual(expect.arrayContaining(['MapIterationFailed', 'MapStateFailed']));
  });
});
