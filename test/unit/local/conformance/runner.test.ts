import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from '../../../../local/conformance/case';
import { pythonJsonDumps, pythonRepr, simulateHandler } from '../../../../local/conformance/lambdas';
import {
  compareWithBaseline,
  parseBaseline,
  summariseFailures,
  uniqueIds,
} from '../../../../local/conformance/main';
import { functionNameOf, runCase } from '../../../../local/conformance/runner';

const ARN = 'arn:aws:lambda:us-east-1:111111111111:function:fn';

function lambdaCase(
  handler: string,
  expected: ConformanceCase['expected'],
  definition?: object,
): ConformanceCase {
  return {
    id: `synthetic-${handler}`,
    definition: definition ?? { StartAt: 'T', States: { T: { Type: 'Task', Resource: ARN, End: true } } },
    input: { k: 'v' },
    expected,
    lambda_functions: { fn: { arn: ARN, handler } },
  };
}

describe('the simulated Lambda handlers', () => {
  it("print the event the way Python's str() does", () => {
    expect(pythonRepr({ a: "it's", b: [1, 1.5, true, null], c: 'x' })).toBe(
      `{'a': "it's", 'b': [1, 1.5, True, None], 'c': 'x'}`,
    );
  });

  it('print floats and unprintable characters the way Python does', () => {
    expect(pythonRepr([1e-7, 0.00012, 1e21, 0.1])).toBe('[1e-07, 0.00012, 1e+21, 0.1]');
    expect(pythonRepr('a\u0085\u00a0 b\u2028')).toBe("'a\\x85\\xa0 b\\u2028'");
  });

  it("serialise like Python's json.dumps, spaces and ASCII escapes included", () => {
    expect(pythonJsonDumps({ a: [1, 'é'], b: null })).toBe('{"a": [1, "\\u00e9"], "b": null}');
    expect(pythonJsonDumps([1e-7, '\u007f'])).toBe('[1e-07, "\\u007f"]');
  });

  it('raise the recorded Python exception envelope', async () => {
    const signal = new AbortController().signal;

    const raised = await simulateHandler('raise_exception', {}, { timeScale: 1, signal });

    expect(raised.functionError).toBe('Unhandled');
    expect(raised.payload).toMatchObject({
      errorType: 'Exception',
      errorMessage: 'Some exception was raised.',
    });
  });

  it('decorate the input with the input-event- prefix', async () => {
    const result = await simulateHandler(
      'return_decorated_input',
      { a: 1 },
      {
        timeScale: 1,
        signal: new AbortController().signal,
      },
    );

    expect(result.payload).toBe("input-event-{'a': 1}");
  });
});

describe('the conformance runner', () => {
  it('finds the function name in names, qualified names and ARNs', () => {
    expect(functionNameOf('fn')).toBe('fn');
    expect(functionNameOf('fn:prod')).toBe('fn');
    expect(functionNameOf(`${ARN}:$LATEST`)).toBe('fn');
  });

  it('runs a case with a simulated Lambda and passes it when AWS agrees', async () => {
    const outcome = await runCase(lambdaCase('id_function', { status: 'SUCCEEDED', output: { k: 'v' } }));

    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.pass).toBe(true);
  });

  it('fails a case whose recorded output differs', async () => {
    const outcome = await runCase(lambdaCase('echo_function', { status: 'SUCCEEDED', output: { k: 'v' } }));

    expect(outcome.pass).toBe(false);
    expect(outcome.differences.join('\n')).toContain('Return');
  });

  it('reports a Lambda error with the exception type as the error name', async () => {
    const outcome = await runCase(lambdaCase('raise_exception', { status: 'FAILED', error: 'Exception' }));

    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('Exception');
  });

  it("loads the case's S3 objects for a Distributed Map ItemReader", async () => {
    const items = [{ n: 1 }, { n: 2 }];
    const testCase: ConformanceCase = {
      id: 'synthetic-item-reader',
      definition: {
        StartAt: 'Map',
        States: {
          Map: {
            Type: 'Map',
            ItemReader: {
              Resource: 'arn:aws:states:::s3:getObject',
              ReaderConfig: { InputType: 'JSON' },
              Parameters: { Bucket: 'bucket-1', Key: 'items.json' },
            },
            ItemProcessor: {
              ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
              StartAt: 'P',
              States: { P: { Type: 'Pass', End: true } },
            },
            End: true,
          },
        },
      },
      input: {},
      expected: { status: 'SUCCEEDED', output: items },
      s3_objects: { 'bucket-1/items.json': { text: JSON.stringify(items) } },
    };

    const outcome = await runCase(testCase);

    expect(outcome.differences).toEqual([]);
    expect(outcome.pass).toBe(true);
  });

  it('reports a case AWS aborted as ABORTED after stopping it like the recording did', async () => {
    const wait = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 60, End: true } } };

    const outcome = await runCase(lambdaCase('id_function', { status: 'ABORTED' }, wait));

    expect(outcome.status).toBe('ABORTED');
    expect(outcome.pass).toBe(true);
  });

  it('stops a case at its time limit', async () => {
    const wait = { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 3600, End: true } } };
    const outcome = await runCase(lambdaCase('id_function', { status: 'SUCCEEDED', output: {} }, wait), {
      timeScale: 1,
      timeoutMs: 50,
    });

    expect(outcome.status).toBe('RUNNER_TIMEOUT');
    expect(outcome.pass).toBe(false);
  });
});

describe('the conformance baseline', () => {
  it('reads one id per line, ignoring blanks and comments', () => {
    expect(parseBaseline('a\n\n# note\n b \n')).toEqual(['a', 'b']);
  });

  it('finds regressions and newly passing cases', () => {
    const outcomes = new Map([
      ['a', { pass: false }],
      ['b', { pass: true }],
      ['c', { pass: true }],
    ]);

    expect(compareWithBaseline(['a', 'b'], outcomes)).toEqual({ regressions: ['a'], newlyPassing: ['c'] });
  });

  it('groups failures by their first difference, largest group first', () => {
    const outcomes = new Map([
      ['a', { pass: false, differences: ['$.x[0]: expected 1, got 2'] }],
      ['b', { pass: false, differences: ['$.x[3]: expected "p", got "q"'] }],
      ['c', { pass: false, differences: ['status: expected SUCCEEDED, got FAILED'] }],
      ['d', { pass: true, differences: [] }],
    ]);

    expect(summariseFailures(outcomes)).toEqual([
      '   2 × $.x[n]: value differs (e.g. a)',
      '   1 × status: expected SUCCEEDED, got FAILED (e.g. c)',
    ]);
  });

  it('renames a case whose id is already taken after its file', () => {
    const base = lambdaCase('id_function', { status: 'SUCCEEDED' });

    const cases = uniqueIds([base, base], ['/x/one.json', '/x/two.json']);

    expect(cases.map((c) => c.id)).toEqual([base.id, 'two']);
  });
});
