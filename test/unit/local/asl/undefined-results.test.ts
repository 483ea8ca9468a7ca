/**
 * AWS fails a JSONata state whose expression evaluates to nothing with States.QueryEvaluationError
 * ("… returned nothing (undefined)."), and a Distributed Map's child workflow cannot see the
 * variables of outer scopes (Step Functions developer guide, "Passing data between states with
 * variables", Variable scope), so a reference to one there is such an undefined result.
 */
import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../../../local/asl/index';
import { execute, single } from './helpers';

const MISSING = '{% $states.input.missing %}';
const passChild = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
const registry = () =>
  new ResourceRegistry().register('arn:aws:states:::echo', async (request) => request.input ?? null);

function nothing(field: string, expression = '$states.input.missing'): string {
  return `The JSONata expression '${expression}' specified for the field '${field}' returned nothing (undefined).`;
}

describe('a JSONata expression that returns nothing', () => {
  it.each([
    ['one Assign value', { Type: 'Pass', Assign: { files: MISSING } }, 'Assign/files'],
    ['the whole Assign', { Type: 'Pass', Assign: MISSING }, 'Assign'],
    [
      'the whole Arguments of a Task',
      { Type: 'Task', Resource: 'arn:aws:states:::echo', Arguments: MISSING },
      'Arguments',
    ],
    [
      'a nested Arguments value',
      { Type: 'Task', Resource: 'arn:aws:states:::echo', Arguments: { Payload: { key: MISSING } } },
      'Arguments/Payload/key',
    ],
    [
      'the Arguments of a Parallel',
      { Type: 'Parallel', Arguments: MISSING, Branches: [passChild] },
      'Arguments',
    ],
    ['Output', { Type: 'Pass', Output: MISSING }, 'Output'],
    ['Items', { Type: 'Map', Items: MISSING, ItemProcessor: passChild }, 'Items'],
    [
      'ItemSelector',
      { Type: 'Map', Items: [1], ItemSelector: MISSING, ItemProcessor: passChild },
      'ItemSelector',
    ],
    ['Wait Seconds', { Type: 'Wait', Seconds: MISSING }, 'Seconds'],
  ])(
    'fails the state with States.QueryEvaluationError when %s evaluates to nothing',
    async (_, state, field) => {
      const result = await execute(single(state, 'JSONata'), {}, { registry: registry() });
      expect(result).toMatchObject({
        status: 'FAILED',
        error: 'States.QueryEvaluationError',
        cause: `An error occurred while executing the state 'S' (entered at the event id #2). ${nothing(field)}`,
      });
      const failed = result.events.find((e) => e.type === 'EvaluationFailed');
      expect(failed?.evaluationFailedEventDetails).toMatchObject({ state: 'S', location: field });
    },
  );

  it('fails an Assign of a file key that a listing does not hold instead of leaving the variable unset', async () => {
    const listing = new ResourceRegistry().register(
      'arn:aws:states:::aws-sdk:s3:listObjectsV2',
      async () => ({
        KeyCount: 1,
        Contents: [{ Key: 'runs/1/SUCCEEDED_0.json' }],
      }),
    );
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'Find',
      States: {
        Find: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:s3:listObjectsV2',
          Arguments: { Bucket: 'b' },
          Assign: { failuresKey: "{% $states.result.Contents[$contains(Key, 'FAILED_0')][0].Key %}" },
          Next: 'Has',
        },
        Has: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $exists($failuresKey) %}', Next: 'Found' }],
          Default: 'None',
        },
        Found: { Type: 'Succeed' },
        None: { Type: 'Succeed' },
      },
    };
    const result = await execute(definition, {}, { registry: listing });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.QueryEvaluationError');
    expect(result.events.map((e) => e.type)).not.toContain('ChoiceStateEntered');
  });
});

describe('variables in a Distributed Map child workflow', () => {
  const definition = (child: object) => ({
    QueryLanguage: 'JSONata',
    StartAt: 'Init',
    States: {
      Init: { Type: 'Pass', Assign: { plan: { bucket: 'b' } }, Next: 'Each' },
      Each: {
        Type: 'Map',
        Items: [1, 2],
        ToleratedFailurePercentage: 100,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'C',
          States: { C: { ...child, End: true } },
        },
        End: true,
      },
    },
  });

  it('does not see an outer variable: the child fails with States.QueryEvaluationError', async () => {
    const result = await execute(definition({ Type: 'Pass', Output: '{% $plan.bucket %}' }));
    expect(result.status).toBe('SUCCEEDED');
    const cause = `An error occurred while executing the state 'C' (entered at the event id #2). ${nothing('Output', '$plan.bucket')}`;
    expect(result.output).toEqual([
      { Error: 'States.QueryEvaluationError', Cause: cause },
      { Error: 'States.QueryEvaluationError', Cause: cause },
    ]);
  });

  it('fails the Map Run when nothing is tolerated', async () => {
    const def = definition({ Type: 'Pass', Assign: { bucket: '{% $plan.bucket %}' } }) as {
      States: { Each: Record<string, unknown> };
    };
    delete def.States.Each.ToleratedFailurePercentage;
    const result = await execute(def);
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('sees the variables the child assigns itself', async () => {
    const child = {
      Type: 'Parallel',
      Branches: [
        {
          StartAt: 'A',
          States: {
            A: { Type: 'Pass', Assign: { own: '{% $states.input * 10 %}' }, Next: 'B' },
            B: { Type: 'Pass', Output: '{% $own %}', End: true },
          },
        },
      ],
      Output: '{% $states.result[0] %}',
    };
    const result = await execute(definition(child));
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: [10, 20] });
  });

  it('lets an inline Map child read outer variables, unlike a distributed one', async () => {
    const def = definition({ Type: 'Pass', Output: '{% $plan.bucket %}' }) as {
      States: { Each: { ItemProcessor: Record<string, unknown> } };
    };
    delete def.States.Each.ItemProcessor.ProcessorConfig;
    const result = await execute(def);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: ['b', 'b'] });
  });
});
