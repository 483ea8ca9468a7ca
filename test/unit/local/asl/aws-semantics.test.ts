/**
 * Three behaviours the held-out AWS recordings showed, each from AWS's documentation:
 * - "JSONata expressions: strings that start with {% and end with %}" (Step Functions developer
 *   guide, Transforming data with JSONata): anything else is a literal string.
 * - States.Runtime "… can't be caught": States.ALL does not match it, nor does naming it (developer
 *   guide, Handling errors, Error names); the execution fails.
 * - Lambda Invoke with `LogType: Tail` returns `LogResult`, the base64-encoded last 4 KB of the
 *   execution log (Lambda API reference, Invoke).
 */
import { describe, expect, it } from 'vitest';
import { ResourceRegistry, registerLambda, StatesError } from '../../../../local/asl/index';
import { execute, single, types } from './helpers';

describe('JSONata expression strings', () => {
  it.each([
    [' {% 1 + 1 %}', 'a leading space'],
    ['{% 1 + 1 %} ', 'a trailing space'],
    ['x {% 1 + 1 %}', 'text before it'],
    ['{% 1 + 1 %}!', 'text after it'],
  ])('keeps %j (%s) as a literal string', async (text) => {
    const result = await execute(single({ Type: 'Pass', Output: { v: text } }, 'JSONata'));
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { v: text } });
  });

  it('evaluates a string that starts with {% and ends with %}', async () => {
    const result = await execute(single({ Type: 'Pass', Output: { v: '{% 1 + 1 %}' } }, 'JSONata'));
    expect(result.output).toEqual({ v: 2 });
  });
});

describe('States.Runtime', () => {
  const definition = (errorEquals: string[]) => ({
    StartAt: 'T',
    States: {
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::echo',
        OutputPath: '$.missing',
        Catch: [{ ErrorEquals: errorEquals, Next: 'Caught' }],
        End: true,
      },
      Caught: { Type: 'Succeed' },
    },
  });
  const registry = () => new ResourceRegistry().register('arn:aws:states:::echo', async () => ({ a: 1 }));

  it.each([[['States.ALL']], [['States.Runtime']], [['States.Runtime', 'States.TaskFailed']]])(
    'is not caught by a catcher naming %j: the execution fails',
    async (errorEquals) => {
      const result = await execute(definition(errorEquals), {}, { registry: registry() });
      expect(result).toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause:
          "An error occurred while executing the state 'T' (entered at the event id #2). Invalid path '$.missing' : No results for path: $['missing']",
      });
      expect(types(result.events)).not.toContain('SucceedStateEntered');
    },
  );

  it('is not retried by a retrier naming it', async () => {
    let calls = 0;
    const failing = new ResourceRegistry().register('arn:aws:states:::echo', async () => {
      calls++;
      throw new StatesError('States.Runtime', 'broken');
    });
    const result = await execute(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::echo',
        Retry: [{ ErrorEquals: ['States.Runtime'] }],
      }),
      {},
      { registry: failing },
    );
    expect(result.status).toBe('FAILED');
    expect(calls).toBe(1);
  });

  it('fails the execution from inside a Parallel branch despite a catcher on the Parallel state', async () => {
    const result = await execute(
      {
        StartAt: 'P',
        States: {
          P: {
            Type: 'Parallel',
            Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', OutputPath: '$.missing', End: true } } }],
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
            End: true,
          },
          Caught: { Type: 'Succeed' },
        },
      },
      {},
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
  });
});

describe('lambda:invoke with LogType Tail', () => {
  function logging(log: string) {
    const seen: string[] = [];
    const registry = new ResourceRegistry();
    registerLambda(registry, async (_name, _payload, _request, options) => {
      seen.push(options.logType);
      return { payload: { ok: true }, ...(options.logType === 'Tail' ? { log } : {}) };
    });
    return { registry, seen };
  }
  const invoke = (parameters: object) =>
    single({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'fn', ...parameters },
    });

  it('returns LogResult, the base64 of the log, and asks the invoker for it', async () => {
    const log = 'START RequestId: 1\nhello\nEND RequestId: 1\n';
    const { registry, seen } = logging(log);
    const result = await execute(invoke({ LogType: 'Tail' }), {}, { registry });
    expect(seen).toEqual(['Tail']);
    const output = result.output as Record<string, unknown>;
    expect(Buffer.from(output.LogResult as string, 'base64').toString('utf8')).toBe(log);
    expect(Object.keys(output).slice(0, 3)).toEqual(['ExecutedVersion', 'LogResult', 'Payload']);
  });

  it('keeps only the last 4 KB of a longer log', async () => {
    const log = `${'a'.repeat(5000)}${'z'.repeat(4096)}`;
    const { registry } = logging(log);
    const result = await execute(invoke({ LogType: 'Tail' }), {}, { registry });
    const tail = Buffer.from((result.output as { LogResult: string }).LogResult, 'base64').toString('utf8');
    expect(tail).toBe('z'.repeat(4096));
  });

  it('returns no LogResult without LogType Tail', async () => {
    const { registry, seen } = logging('x');
    const result = await execute(invoke({}), {}, { registry });
    expect(seen).toEqual(['None']);
    expect(result.output).not.toHaveProperty('LogResult');
  });
});
