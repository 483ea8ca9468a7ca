import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expf, expfFma, expfNoFma, fma } from '../../../../shared/model/expf';
import { fixtureBytes } from './fixtures';

/** (x, glibc expf(x)) float32 pairs recorded from libm by the fixture script. */
function vectors(): [number, number][] {
  const bytes = fixtureBytes('expf.vectors.bin.gz');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: [number, number][] = [];
  for (let o = 0; o < bytes.byteLength; o += 8)
    out.push([view.getFloat32(o, true), view.getFloat32(o + 4, true)]);
  return out;
}

/** Exact a*b + c rounded to nearest, with BigInt rationals: the oracle for fma. */
function exactFma(a: number, b: number, c: number): number {
  const parts = (x: number): [bigint, number] => {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0);
    const exp = Number((bits >> 52n) & 0x7ffn);
    let mant = bits & 0xfffffffffffffn;
    if (exp !== 0) mant |= 1n << 52n;
    const sign = bits >> 63n === 1n ? -1n : 1n;
    return [sign * mant, Math.max(exp, 1) - 1075];
  };
  const [ma, ea] = parts(a);
  const [mb, eb] = parts(b);
  const [mc, ec] = parts(c);
  const ep = ea + eb;
  const e = Math.min(ep, ec);
  const sum = ((ma * mb) << BigInt(ep - e)) + (mc << BigInt(ec - e));
  if (sum === 0n) return 0;
  const negative = sum < 0n;
  const abs = negative ? -sum : sum;
  const bitsLen = abs.toString(2).length;
  const shift = Math.max(bitsLen - 53, 0);
  let q = abs >> BigInt(shift);
  const rem = abs - (q << BigInt(shift));
  if (shift > 0) {
    const half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  const k = shift + e;
  const value = Number(q) * 2 ** Math.trunc(k / 2) * 2 ** (k - Math.trunc(k / 2));
  return negative ? -value : value;
}

describe('expf', () => {
  const pairs = vectors();

  it('has recorded vectors where glibc expf is not the correctly rounded exp', () => {
    // Assess: otherwise the next test could not tell glibc from Math.exp
    const hard = pairs.filter(([x, y]) => Math.fround(Math.exp(x)) !== y);
    expect(hard.length).toBeGreaterThan(100);
  });

  it('returns what glibc expf returns for every recorded input, in both builds', () => {
    // Act
    const wrongFma = pairs.filter(([x, y]) => !Object.is(expfFma(x), y));
    const wrongNoFma = pairs.filter(([x, y]) => !Object.is(expfNoFma(x), y));
    // Assess
    expect(wrongFma).toEqual([]);
    expect(wrongNoFma).toEqual([]);
    expect(expf).toBe(expfFma);
  });

  it('handles infinities, NaN, overflow and underflow as glibc does', () => {
    // Assess
    expect(expf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(expf(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(expf(Number.NaN)).toBeNaN();
    expect(expf(89)).toBe(Number.POSITIVE_INFINITY);
    expect(expf(-104)).toBe(0);
    expect(expf(0)).toBe(1);
  });
});

describe('fma', () => {
  it('rounds a*b + c once, like a hardware fused multiply-add', () => {
    // Prepare
    // fma's contract: the product neither overflows nor underflows (expf's operands are moderate)
    const finite = fc
      .double({ noNaN: true, noDefaultInfinity: true, min: -1e100, max: 1e100 })
      .filter((x) => x === 0 || Math.abs(x) > 1e-100);
    // Act / Assess
    fc.assert(
      fc.property(finite, finite, finite, (a, b, c) => {
        expect(fma(a, b, c)).toBe(exactFma(a, b, c));
      }),
      { numRuns: 3000 },
    );
  });

  it('gets the near-tie cases right where the product and the addend cancel', () => {
    // Prepare: a*b = 1 + 2^-30 + 2^-60 exactly; the double sum rounds it away
    const a = 1 + 2 ** -30;
    const b = 1 + 2 ** -30;
    // Act / Assess
    for (const c of [-1, -1 - 2 ** -30, 2 ** -53, -(2 ** -60), 1e-20]) {
      expect(fma(a, b, c)).toBe(exactFma(a, b, c));
    }
  });
});
