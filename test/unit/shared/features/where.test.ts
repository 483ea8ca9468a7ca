import { describe, expect, it } from 'vitest';
import { parseWhere, WhereSyntaxError, whereColumns } from '../../../../shared/features';

describe('parseWhere', () => {
  it('parses comparisons joined by AND, OR and NOT with the usual precedence', () => {
    const tree = parseWhere("age >= 18 AND NOT plan = 'free' OR vip = TRUE");
    expect(tree.kind).toBe('or');
    expect(whereColumns(tree)).toEqual(['age', 'plan', 'vip']);
  });

  it('parses IN, NOT IN, IS NULL and IS NOT NULL with quoted column names', () => {
    const tree = parseWhere(
      "\"first name\" IN ('a', 'b') AND `x` NOT IN (1, 2.5) AND y IS NOT NULL AND z IS NULL",
    );
    expect(whereColumns(tree)).toEqual(['first name', 'x', 'y', 'z']);
  });

  it('keeps quotes inside string literals as data', () => {
    const tree = parseWhere("name = 'O''Brien'");
    expect(tree).toMatchObject({ kind: 'compare', right: { kind: 'string', value: "O'Brien" } });
  });

  it.each([
    ['functions', "lower(name) = 'a'", /functions are not allowed/],
    ['arithmetic', 'a + 1 > 2', /unexpected '\+'/],
    ['comments', 'a = 1 -- drop', /unexpected '-'/],
    ['a statement separator', 'a = 1; DROP TABLE raw', /unexpected ';'/],
    ['an unterminated string', "a = 'x", /unterminated/],
    ['an empty filter', '  ', /empty/],
    ['a dangling operand', 'a', /expected a comparison/],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseWhere(text)).toThrow(WhereSyntaxError);
    expect(() => parseWhere(text)).toThrow(message);
  });
});
