import { describe, expect, it } from 'vitest';
import { JsonataFlow, JsonPathFlow } from '../../../../local/asl/data-flow';
import type { StateRun } from '../../../../local/asl/exec';
import { parseDefinition, ResourceRegistry } from '../../../../local/asl/index';
import { Scope } from '../../../../local/asl/payload';
import { Run } from '../../../../local/asl/runtime';
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

/** A StateRun of the single state `state`, with `input`, outside any execution. */
function stateRun(state: object, input: unknown, language: 'JSONPath' | 'JSONata'): StateRun {
  const program = parseDefinition({
    QueryLanguage: language,
    StartAt: 'S',
    States: { S: { ...state, End: true } },
  });
  const run = new Run({
    registry: new ResourceRegistry(),
    timeScale: 1,
    random: () => 0.5,
    region: 'us-east-1',
    account: '1',
    partition: 'aws',
    roleArn: 'r',
    stateMachineArn: 'a',
    stateMachineName: 'n',
    type: 'STANDARD',
    uuid: () => 'u',
    resultFileBytes: 1000,
  });
  const frame = {
    run,
    record: false,
    prev: 0,
    scope: new Scope(),
    signal: run.controller.signal,
    context: {},
  };
  return {
    state: program.states.get('S')!,
    frame,
    input,
    enteredId: 1,
    inputJson: '',
    context: {},
    flow: language === 'JSONata' ? JsonataFlow : JsonPathFlow,
    engine: { runProgram: async () => undefined },
  };
}

describe('JsonPathFlow', () => {
  it('applies ResultSelector, Assign, ResultPath and OutputPath to a result, in that order', async () => {
    const run = stateRun(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::x',
        ResultSelector: { 'n.$': '$.value' },
        Assign: { 'seen.$': '$.n' },
        ResultPath: '$.out',
        OutputPath: '$.out',
      },
      { keep: 1 },
      'JSONPath',
    );
    const finished = await JsonPathFlow.finishWithResult(run, { value: 7 });
    expect(finished).toEqual({ output: { n: 7 }, assigned: { seen: 7 } });
    expect(run.frame.scope.lookup('seen')).toEqual({ found: true, value: 7 });
  });

  it('reads Parameters over the effective input (InputPath)', async () => {
    const run = stateRun(
      { Type: 'Pass', InputPath: '$.a', Parameters: { 'b.$': '$.b' } },
      { a: { b: 2 } },
      'JSONPath',
    );
    const effective = JsonPathFlow.effectiveInput(run);
    expect(await JsonPathFlow.parameters(run, effective, { Parameters: { 'b.$': '$.b' } })).toEqual({ b: 2 });
  });
});

describe('JsonataFlow', () => {
  it('evaluates Output and Assign against $states.result', async () => {
    const run = stateRun(
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::x',
        Output: '{% $states.result.v + 1 %}',
        Assign: { r: '{% $states.result.v %}' },
      },
      {},
      'JSONata',
    );
    expect(await JsonataFlow.finishWithResult(run, { v: 1 })).toEqual({ output: 2, assigned: { r: 1 } });
  });

  it('passes the input on when a state without a result has no Output', async () => {
    const run = stateRun({ Type: 'Pass' }, { a: 1 }, 'JSONata');
    expect(await JsonataFlow.finishWithoutResult(run, run.input, {})).toEqual({
      output: { a: 1 },
      assigned: undefined,
    });
  });
});
