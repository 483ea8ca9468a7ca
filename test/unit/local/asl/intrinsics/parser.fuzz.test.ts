import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StatesError } from '../../../../../local/asl/errors';
import { evaluateIntrinsic, parseIntrinsic } from '../../../../../local/asl/intrinsics/index';

/** Writes `text` as an intrinsic string literal, escaping the reserved characters. */
function literal(text: string): string {
  return `'${text.replace(/[\\'{}]/g, (c) => `\\${c}`)}'`;
}

describe('the intrinsic parser under fuzzing', () => {
  it('either parses or throws a StatesError for any text after States.', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (tail) => {
        try {
          parseIntrinsic(`States.Array(${tail}`);
        } catch (error) {
          expect(error).toBeInstanceOf(StatesError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives back any string written as an escaped literal', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }), (texts) => {
        const expression = `States.Array(${texts.map(literal).join(', ')})`;
        expect(evaluateIntrinsic(expression, () => undefined)).toEqual(texts);
      }),
      { numRuns: 300 },
    );
  });

  it('formats escaped braces as text and {} as the next argument', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.integer(), (text, n) => {
        const expression = `States.Format(${literal(text).slice(0, -1)}{}', ${n})`;
        expect(evaluateIntrinsic(expression, () => undefined)).toBe(`${text}${n}`);
      }),
      { numRuns: 300 },
    );
  });
});
