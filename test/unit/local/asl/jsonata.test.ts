import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../../../local/asl/index';
import { execute, single } from './helpers';

describe('JSONata states', () => {
  it('evaluates Output against $states.input', async () => {
    const result = await execute(
      single({ Type: 'Pass', Output: { sum: '{% $states.input.a + $states.input.b %}' } }, 'JSONata'),
      {
        a: 1,
        b: 2,
      },
    );
    expect(result.output).toEqual({ sum: 3 });
  });

  it('passes Arguments to the task and exposes its result as $states.result', async () => {
    const registry = new ResourceRegistry().register('arn:aws:states:::test:echo', async (r) => r.input);
    const result = await execute(
      single(
        {
          Type: 'Task',
          Resource: 'arn:aws:states:::test:echo',
          Arguments: { x: '{% $states.input.v * 10 %}' },
          Output: '{% $states.result.x + 1 %}',
        },
        'JSONata',
      ),
      { v: 2 },
      { registry },
    );
    expect(result.output).toBe(21);
  });

  it('lets a state choose JSONata inside a JSONPath machine', async () => {
    const result = await execute(
      single({ Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% $uppercase($states.input.s) %}' }),
      { s: 'abc' },
    );
    expect(result.output).toBe('ABC');
  });

  it('routes a Choice by Condition', async () => {
    const result = await execute(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'C',
        States: {
          C: {
            Type: 'Choice',
            Choices: [{ Condition: '{% $states.input.n > 1 %}', Next: 'Yes' }],
            Default: 'No',
          },
          Yes: { Type: 'Pass', Output: 'yes', End: true },
          No: { Type: 'Pass', Output: 'no', End: true },
        },
      },
      { n: 2 },
    );
    expect(result.output).toBe('yes');
  });

  it('maps over Items and exposes the item through $states.context.Map.Item', async () => {
    const result = await execute(
      single(
        {
          Type: 'Map',
          Items: '{% $states.input.xs %}',
          ItemSelector: { v: '{% $states.context.Map.Item.Value * 2 %}' },
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        },
        'JSONata',
      ),
      { xs: [1, 2] },
    );
    expect(result.output).toEqual([{ v: 2 }, { v: 4 }]);
  });

  it('fails with States.QueryEvaluationError when an expression returns nothing', async () => {
    const result = await execute(
      single({ Type: 'Pass', Output: { r: '{% $states.input.missing %}' } }, 'JSONata'),
      {},
    );
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$states.input.missing' specified for the field 'Output/r' returned nothing (undefined).",
    });
    expect(result.events.find((e) => e.type === 'EvaluationFailed')).toMatchObject({
      evaluationFailedEventDetails: {
        error: 'States.QueryEvaluationError',
        location: 'Output/r',
        state: 'S',
      },
    });
  });

  it('fails with States.QueryEvaluationError when Items is not an array', async () => {
    const result = await execute(
      single(
        {
          Type: 'Map',
          Items: '{% 1 %}',
          ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
        },
        'JSONata',
      ),
    );
    expect(result.cause).toContain(
      "returned an unexpected result type. Expected 'array', but was 'number' for value: 1",
    );
  });

  it('calls the handler of the Resource a JSONata expression names', async () => {
    const registry = new ResourceRegistry().register('arn:aws:states:::test:b', async () => 'b');
    const result = await execute(
      single({ Type: 'Task', Resource: "{% 'arn:aws:states:::test:' & $states.input.which %}" }, 'JSONata'),
      { which: 'b' },
      { registry },
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: 'b' });
  });

  it('binds the AWS functions such as $partition', async () => {
    const result = await execute(single({ Type: 'Pass', Output: '{% $partition([1,2,3], 2) %}' }, 'JSONata'));
    expect(result.output).toEqual([[1, 2], [3]]);
  });

  it('evaluates Wait Seconds from an expression', async () => {
    const result = await execute(single({ Type: 'Wait', Seconds: '{% $states.input.s %}' }, 'JSONata'), {
      s: 1,
    });
    expect(result.status).toBe('SUCCEEDED');
  });
});

describe('variables', () => {
  it('assigns variables that later states read in JSONata and JSONPath', async () => {
    const result = await execute(
      {
        StartAt: 'A',
        States: {
          A: {
            Type: 'Pass',
            QueryLanguage: 'JSONata',
            Assign: { x: '{% $states.input.v %}', y: 'lit' },
            Next: 'B',
          },
          B: { Type: 'Pass', Parameters: { 'x.$': '$x', 'y.$': '$y' }, End: true },
        },
      },
      { v: 5 },
    );
    expect(result.output).toEqual({ x: 5, y: 'lit' });
  });

  it('evaluates every Assign value against the values from before the state', async () => {
    const result = await execute({
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Assign: { a: 1 }, Next: 'B' },
        B: { Type: 'Pass', Assign: { a: 2, b: '{% $a %}' }, Next: 'C' },
        C: { Type: 'Pass', Output: { a: '{% $a %}', b: '{% $b %}' }, End: true },
      },
    });
    expect(result.output).toEqual({ a: 2, b: 1 });
  });

  it('records assigned variables in the state exited event', async () => {
    const result = await execute(single({ Type: 'Pass', Assign: { n: 3 } }, 'JSONata'));
    expect(result.events.find((e) => e.type === 'PassStateExited')).toMatchObject({
      stateExitedEventDetails: {
        assignedVariables: { n: '3' },
        assignedVariablesDetails: { truncated: false },
      },
    });
  });

  it('lets Map iterations read outer variables without leaking their own', async () => {
    const result = await execute({
      QueryLanguage: 'JSONata',
      StartAt: 'Set',
      States: {
        Set: { Type: 'Pass', Assign: { base: 10 }, Next: 'M' },
        M: {
          Type: 'Map',
          Items: '{% [1, 2] %}',
          ItemProcessor: {
            StartAt: 'Inner',
            States: {
              Inner: { Type: 'Pass', Assign: { inner: 1 }, Output: '{% $base + $states.input %}', End: true },
            },
          },
          Next: 'After',
        },
        After: {
          Type: 'Pass',
          Output: { r: '{% $states.input %}', leaked: '{% $exists($inner) %}' },
          End: true,
        },
      },
    });
    expect(result.output).toEqual({ r: [11, 12], leaked: false });
  });

  it('fails with States.Runtime when a JSONPath reads an undefined variable', async () => {
    const result = await execute(single({ Type: 'Pass', Parameters: { 'v.$': '$nope' } }));
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });
});
