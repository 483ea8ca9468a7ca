import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pythonFloatRepr, pythonJsonFloat } from '../../../../shared/model';
import { fixtureText } from './fixtures';

describe('pythonFloatRepr', () => {
  it.each([
    [Math.fround(0.537585437297821), '0.537585437297821'],
    [1, '1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [123456789012345680, '1.2345678901234568e+17'],
    [-2.5, '-2.5'],
    [3, '3.0'],
    [1e22, '1e+22'],
    [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [Number.NaN, 'nan'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NEGATIVE_INFINITY, '-inf'],
  ])('prints %s as Python prints it: %s', (value, expected) => {
    // Act / Assess
    expect(pythonFloatRepr(value)).toBe(expected);
  });

  it('always reads back to the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = pythonFloatRepr(x);
        expect(Object.is(Number(text), x)).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('uses plain notation exactly for decimal exponents -4 to 15, and a dot in every plain number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = pythonFloatRepr(x);
        const exponent = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
        // log10 can be off by one at exact powers of ten, so test away from the edges
        if (exponent > -4 && exponent < 15) expect(text).toMatch(/^-?\d+\.\d+$/);
        if (exponent < -5 || exponent > 16) expect(text).toMatch(/^-?\d(\.\d+)?e[+-]\d{2,3}$/);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('pythonJsonFloat', () => {
  it('writes non-finite numbers as json.dumps does', () => {
    expect(pythonJsonFloat(Number.NaN)).toBe('NaN');
    expect(pythonJsonFloat(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(pythonJsonFloat(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
    expect(pythonJsonFloat(0.25)).toBe('0.25');
  });
});

describe('pythonFloatRepr against CPython', () => {
  it('prints every recorded float32-as-double and double exactly as CPython 3 repr does', () => {
    // Prepare: [little-endian float64 hex, repr] pairs recorded by the fixture script
    const pairs = JSON.parse(fixtureText('python-repr.json.gz')) as [string, string][];
    const view = new DataView(new ArrayBuffer(8));
    // Act
    const wrong = pairs.filter(([hex, expected]) => {
      for (let i = 0; i < 8; i++) view.setUint8(i, Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
      return pythonFloatRepr(view.getFloat64(0, true)) !== expected;
    });
    // Assess
    expect(pairs.length).toBeGreaterThan(3000);
    expect(wrong).toEqual([]);
  });
});
