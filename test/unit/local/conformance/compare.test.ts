import { describe, expect, it } from 'vitest';
import type { ConformanceCase } from '../../../../local/conformance/case';
import { compareHistory, judge, stringMatches } from '../../../../local/conformance/compare';

function succeeded(output: unknown, extra: Partial<ConformanceCase> = {}): ConformanceCase {
  return {
    id: 'synthetic',
    definition: {},
    input: {},
    expected: { status: 'SUCCEEDED', output, output_repr: 'parsed-object' },
    ...extra,
  };
}

function failed(error: string | null, cause: unknown, causeRepr: string | null = 'string'): ConformanceCase {
  return {
    id: 'synthetic',
    definition: {},
    input: {},
    expected: { status: 'FAILED', error, cause, cause_repr: causeRepr },
  };
}

describe('the conformance comparison', () => {
  it('passes an identical output and fails a different one, naming the path', () => {
    const testCase = succeeded({ a: [1, { b: 'x' }] });

    const same = judge(testCase, { status: 'SUCCEEDED', output: { a: [1, { b: 'x' }] } });
    const different = judge(testCase, { status: 'SUCCEEDED', output: { a: [1, { b: 'y' }] } });

    expect(same.pass).toBe(true);
    expect(different.pass).toBe(false);
    expect(different.differences[0]).toContain('$.a[1].b');
  });

  it('fails on a different status before looking at the output', () => {
    const verdict = judge(succeeded({}), { status: 'FAILED', error: 'States.Runtime', cause: 'boom' });

    expect(verdict.pass).toBe(false);
    expect(verdict.differences[0]).toBe('status: expected SUCCEEDED, got FAILED');
  });

  it('compares numbers numerically and keeps types apart', () => {
    expect(judge(succeeded({ n: 3 }), { status: 'SUCCEEDED', output: { n: 3.0 } }).pass).toBe(true);
    expect(judge(succeeded({ n: 3 }), { status: 'SUCCEEDED', output: { n: '3' } }).pass).toBe(false);
    expect(judge(succeeded({ n: null }), { status: 'SUCCEEDED', output: {} }).pass).toBe(false);
  });

  it('reports missing and unexpected keys', () => {
    const verdict = judge(succeeded({ a: 1 }), { status: 'SUCCEEDED', output: { b: 1 } });

    expect(verdict.differences).toEqual(['$: missing keys a', '$: unexpected keys b']);
  });

  it('lets <...> tokens match any text, alone or inside a string', () => {
    expect(stringMatches('<ArnPart_0idx>', 'my-machine')).toBe(true);
    expect(stringMatches('arn:<partition>:states:<region>:1:x', 'arn:aws:states:us-east-1:1:x')).toBe(true);
    expect(stringMatches('arn:<partition>:states:<region>:1:x', 'arn:aws:lambda:us-east-1:1:x')).toBe(false);
    expect(stringMatches('a.b', 'aXb')).toBe(false);
  });

  it('matches generated-uuid only with a UUID', () => {
    expect(stringMatches('generated-uuid', '0f4e1d36-7f53-4f21-9d7c-1b5b6c1c2a90')).toBe(true);
    expect(stringMatches('generated-uuid', 'not-a-uuid')).toBe(false);
  });

  it('honours date, timestamp and key-name placeholders only in cases flagged as having placeholders', () => {
    const expected = { Date: 'date', RequestId: 'RequestId', RoleArn: 'snf_role_arn' };
    const actual = {
      Date: ['Sun, 22 Nov 2026 17:00:00 GMT'],
      RequestId: 'abc',
      RoleArn: 'arn:aws:iam::1:role/r',
    };

    const flagged = judge(succeeded(expected, { expected_has_placeholders: true }), {
      status: 'SUCCEEDED',
      output: actual,
    });
    const unflagged = judge(succeeded(expected), { status: 'SUCCEEDED', output: actual });

    expect(flagged.pass).toBe(true);
    expect(unflagged.pass).toBe(false);
  });

  it('parses nested JSON strings only for outputs the recorder transformed that way', () => {
    const transformed = succeeded([{ a: 1 }], {
      expected: {
        status: 'SUCCEEDED',
        output: [{ a: 1 }],
        output_repr: 'parsed-by-JsonStringTransformer (nested JSON strings may also be parsed)',
      },
    });

    expect(judge(transformed, { status: 'SUCCEEDED', output: ['{"a":1}'] }).pass).toBe(true);
    expect(judge(succeeded([{ a: 1 }]), { status: 'SUCCEEDED', output: ['{"a":1}'] }).pass).toBe(false);
  });

  it('compares error and cause strings, with placeholders in the cause', () => {
    const testCase = failed('Exception', '{"requestId": "<uuid:1>"}');

    expect(judge(testCase, { status: 'FAILED', error: 'Exception', cause: '{"requestId": "42"}' }).pass).toBe(
      true,
    );
    expect(judge(testCase, { status: 'FAILED', error: 'Exception', cause: '{"requestId":"42"}' }).pass).toBe(
      false,
    );
    expect(judge(testCase, { status: 'FAILED', error: 'Other', cause: '{"requestId": "42"}' }).pass).toBe(
      false,
    );
  });

  it('compares a cause recorded as a parsed object structurally', () => {
    const testCase = failed('Exception', { errorType: 'Exception', requestId: '<uuid:1>' }, 'parsed-object');

    const compact = judge(testCase, {
      status: 'FAILED',
      error: 'Exception',
      cause: '{"errorType":"Exception","requestId":"r-1"}',
    });
    const notJson = judge(testCase, { status: 'FAILED', error: 'Exception', cause: 'oops' });

    expect(compact.pass).toBe(true);
    expect(notJson.pass).toBe(false);
  });

  it('requires no error or cause where AWS reported none', () => {
    const testCase = failed(null, null, null);

    expect(judge(testCase, { status: 'FAILED' }).pass).toBe(true);
    expect(judge(testCase, { status: 'FAILED', error: 'States.Runtime' }).pass).toBe(false);
  });
});

describe('the history check', () => {
  const recorded = [
    { id: 1, previousEventId: 0, type: 'ExecutionStarted' },
    { id: 2, previousEventId: 1, type: 'PassStateEntered' },
  ];

  it('accepts the recorded types, ids and previousEventIds', () => {
    expect(compareHistory(recorded, recorded)).toBeUndefined();
  });

  it('names the first event whose type or position differs', () => {
    const other = [recorded[0]!, { id: 2, previousEventId: 0, type: 'PassStateEntered' }];

    expect(compareHistory(recorded, other)).toBe(
      'event 2 (PassStateEntered) is id 2 after 1 in the recording, got id 2 after 0',
    );
    expect(compareHistory(recorded, recorded.slice(0, 1))).toBe('event 2: missing PassStateEntered');
  });

  it('does not pin the ids the recorder blanked out', () => {
    const blanked = [
      recorded[0]!,
      { id: [0] as unknown as number, previousEventId: 0, type: 'PassStateEntered' },
    ];

    expect(compareHistory(blanked, recorded)).toBeUndefined();
  });
});
