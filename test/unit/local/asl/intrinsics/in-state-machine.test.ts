import { describe, expect, it } from 'vitest';
import { ResourceRegistry, StateMachine } from '../../../../../local/asl/index';

async function run(definition: object, input: unknown) {
  const machine = new StateMachine(definition, { registry: new ResourceRegistry(), timeScale: 0.001 });
  return machine.start(input).done;
}

describe('intrinsic functions inside a state machine', () => {
  it('evaluate in Parameters with paths into the input and the context object', async () => {
    const definition = {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          Parameters: {
            'greeting.$': "States.Format('Hello {} from {}', $.name, $$.State.Name)",
            'parts.$': "States.StringSplit($.csv, ',')",
          },
          End: true,
        },
      },
    };

    const result = await run(definition, { name: 'Ada', csv: 'a,b' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ greeting: 'Hello Ada from P', parts: ['a', 'b'] });
  });

  it('build the error and cause of a Fail state', async () => {
    const definition = {
      StartAt: 'F',
      States: {
        F: {
          Type: 'Fail',
          ErrorPath: "States.Format('{}', $.code)",
          CausePath: "States.Format('failed because {}', $.why)",
        },
      },
    };

    const result = await run(definition, { code: 'E42', why: 'no data' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'E42', cause: 'failed because no data' });
  });

  it('fail the execution with States.Runtime, prefixed with the state, on invalid arguments', async () => {
    const definition = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Parameters: { 'x.$': 'States.ArrayGetItem($.a, 3)' }, End: true } },
    };

    const result = await run(definition, { a: [1] });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Runtime');
    expect(result.cause).toMatch(/^An error occurred while executing the state 'P'/);
    expect(result.cause).toContain('out of bounds');
  });
});

describe("AWS's JSONata functions inside a state machine", () => {
  it('are bound when a state evaluates JSONata', async () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          Output: {
            chunks: '{% $partition($states.input.items, 2) %}',
            one: '{% $range(1, 9, 9) %}',
            parsed: '{% $parse($states.input.text) %}',
          },
          End: true,
        },
      },
    };

    const result = await run(definition, { items: [1, 2, 3], text: '{"a":[1]}' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ chunks: [[1, 2], [3]], one: 1, parsed: { a: [1] } });
  });
});
