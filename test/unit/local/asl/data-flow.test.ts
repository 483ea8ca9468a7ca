import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from '../../../../local/asl/index';
import { execute, single } from './helpers';

const echo = new ResourceRegistry().register('arn:aws:states:::test:echo', async (r) => r.input);

describe('JSONPath data flow', () => {
  it('applies InputPath, Parameters, ResultSelector, ResultPath and OutputPath in that order', async () => {
    const result = await execute(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::test:echo',
        InputPath: '$.in',
        Parameters: { 'doubled.$': 'States.MathAdd($.v, $.v)', fixed: 'f' },
        ResultSelector: { 'got.$': '$.doubled' },
        ResultPath: '$.out',
        OutputPath: '$.out',
      }),
      { in: { v: 4 }, other: true },
      { registry: echo },
    );
    expect(result.output).toEqual({ got: 8 });
  });

  it('keeps the raw state input when ResultPath is null', async () => {
    const result = await execute(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::test:echo',
        Parameters: { x: 1 },
        ResultPath: null,
      }),
      { keep: 'me' },
      { registry: echo },
    );
    expect(result.output).toEqual({ keep: 'me' });
  });

  it('selects {} for a null InputPath and a null OutputPath', async () => {
    const a = await execute(single({ Type: 'Pass', InputPath: null }), { a: 1 });
    const b = await execute(single({ Type: 'Pass', OutputPath: null }), { a: 1 });
    expect([a.output, b.output]).toEqual([{}, {}]);
  });

  it('reads the context object through $$', async () => {
    const result = await execute(
      single({ Type: 'Pass', Parameters: { 'name.$': '$$.State.Name', 'input.$': '$$.Execution.Input' } }),
      { a: 1 },
    );
    expect(result.output).toEqual({ name: 'S', input: { a: 1 } });
  });

  it('fails with States.Runtime and AWS cause when a Parameters path is missing', async () => {
    const result = await execute(single({ Type: 'Pass', Parameters: { 'v.$': '$.missing' } }), { a: 1 });
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'S' (entered at the event id #2). The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{\"a\":1}'",
    });
  });

  it('fails with States.Runtime naming the normalized path when InputPath selects nothing', async () => {
    const result = await execute(single({ Type: 'Pass', InputPath: '$.nope' }), {});
    expect(result.cause).toBe(
      "An error occurred while executing the state 'S' (entered at the event id #2). Invalid path '$.nope' : No results for path: $['nope']",
    );
  });

  it('fails with States.ResultPathMatchFailure when ResultPath cannot be applied', async () => {
    const result = await execute(single({ Type: 'Pass', Result: 1, ResultPath: '$.a.b' }), { a: 'text' });
    expect(result.error).toBe('States.ResultPathMatchFailure');
  });

  it('evaluates intrinsic functions in Parameters', async () => {
    const result = await execute(
      single({
        Type: 'Pass',
        Parameters: { 'm.$': "States.Format('{}-{}', $.a, $.b)", 'n.$': 'States.ArrayLength($.xs)' },
      }),
      { a: 'x', b: 2, xs: [1, 2, 3] },
    );
    expect(result.output).toEqual({ m: 'x-2', n: 3 });
  });

  it('fails with States.DataLimitExceeded when a state output exceeds 262144 bytes', async () => {
    const result = await execute(single({ Type: 'Pass', Result: 'a'.repeat(262200) }));
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.DataLimitExceeded' });
  });

  it('fails with States.DataLimitExceeded when a task result exceeds 262144 bytes', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      async () => 'é'.repeat(140000),
    );
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::x:big' }),
      {},
      { registry },
    );
    expect(result.error).toBe('States.DataLimitExceeded');
  });
});
