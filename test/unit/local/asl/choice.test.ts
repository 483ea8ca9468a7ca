import { describe, expect, it } from 'vitest';
import { evaluateRule, wildcardMatch } from '../../../../local/asl/choice-rules';
import { Scope } from '../../../../local/asl/payload';
import { parseTimestamp } from '../../../../local/asl/timestamp';

const env = (input: unknown) => ({ input, context: {}, scope: new Scope() });
const rule = (operator: string, operand: unknown) => ({ Variable: '$.v', [operator]: operand, Next: 'X' });
const holds = (operator: string, value: unknown, operand: unknown) =>
  evaluateRule(rule(operator, operand), env({ v: value }));

describe('evaluateRule', () => {
  it.each([
    ['StringEquals', 'a', 'a', true],
    ['StringEquals', 1, '1', false],
    ['StringLessThan', 'a', 'b', true],
    ['StringGreaterThanEquals', 'b', 'b', true],
    ['NumericEquals', 1, 1.0, true],
    ['NumericLessThan', 1, 2, true],
    ['NumericGreaterThan', '3', 2, false],
    ['NumericLessThanEquals', 2, 2, true],
    ['BooleanEquals', false, false, true],
    ['BooleanEquals', 'false', false, false],
    ['TimestampEquals', '2020-01-01T00:00:00Z', '2020-01-01T01:00:00+01:00', true],
    ['TimestampLessThan', '2020-01-01T00:00:00.1Z', '2020-01-01T00:00:00.2Z', true],
    ['TimestampGreaterThan', 'not a date', '2020-01-01T00:00:00Z', false],
    ['IsNull', null, true, true],
    ['IsNumeric', '1', true, false],
    ['IsString', 'x', true, true],
    ['IsBoolean', 0, false, true],
    ['IsTimestamp', '2020-01-01T00:00:00Z', true, true],
    ['IsTimestamp', '2020-01-01 00:00:00Z', true, false],
  ])('%s(%j, %j) is %s', (operator, value, operand, expected) => {
    expect(holds(operator, value, operand)).toBe(expected);
  });

  it('compares against another path with the …Path operators', () => {
    expect(
      evaluateRule({ Variable: '$.a', NumericGreaterThanPath: '$.b', Next: 'X' }, env({ a: 3, b: 2 })),
    ).toBe(true);
  });

  it('treats IsPresent false for a missing variable instead of failing', () => {
    expect(evaluateRule({ Variable: '$.missing', IsPresent: false, Next: 'X' }, env({}))).toBe(true);
  });

  it('fails with States.Runtime when another operator reads a missing variable', () => {
    expect(() => evaluateRule(rule('StringEquals', 'x'), env({}))).toThrow(/invalid value/);
  });

  it('combines rules with And, Or and Not', () => {
    const r = {
      And: [
        { Not: { Variable: '$.v', StringEquals: 'no' } },
        {
          Or: [
            { Variable: '$.n', NumericEquals: 1 },
            { Variable: '$.n', NumericEquals: 2 },
          ],
        },
      ],
      Next: 'X',
    };
    expect(evaluateRule(r, env({ v: 'yes', n: 2 }))).toBe(true);
    expect(evaluateRule(r, env({ v: 'no', n: 2 }))).toBe(false);
  });
});

describe('wildcardMatch', () => {
  it('matches * against any run of characters', () => {
    expect(wildcardMatch('log-2020.txt', 'log-*.txt')).toBe(true);
  });

  it('treats an escaped \\* as a literal star', () => {
    expect(wildcardMatch('a*b', 'a\\*b')).toBe(true);
    expect(wildcardMatch('axb', 'a\\*b')).toBe(false);
  });
});

describe('parseTimestamp', () => {
  it('rejects dates that do not exist', () => {
    expect(parseTimestamp('2016-02-30T00:00:00Z')).toBeUndefined();
  });

  it('keeps nanoseconds below the millisecond', () => {
    expect(parseTimestamp('2016-03-14T01:59:00.123456789Z')).toEqual({
      ms: Date.UTC(2016, 2, 14, 1, 59, 0, 123),
      subNanos: 456789,
    });
  });
});
