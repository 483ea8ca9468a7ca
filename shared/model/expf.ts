/**
 * `expf` exactly as glibc computes it (glibc ≥ 2.28 `sysdeps/ieee754/flt-32/e_expf.c`, from ARM's
 * optimized-routines), because XGBoost's sigmoid, softmax and log-link transforms call `expf` and
 * glibc's result is *not* always the correctly rounded one (error up to 0.502 ulp): rounding
 * `Math.exp` to float32 differs in about 3 of 10 000 sigmoid outputs.
 *
 * Algorithm: `x·32/ln2 = k + r` (k rounded to nearest by adding 1.5·2^52), `2^(k/32)` from a 32-entry
 * table scaled by `2^(k>>5)`, and a cubic in r, all in double, rounded to float once at the end.
 * On x86-64 CPUs with FMA (every current server, and SageMaker's instances) glibc selects the
 * `__expf_fma` build of the same source, where `C0*r + C1`, `C2*r + 1` and `z*r2 + y` are fused
 * multiply-adds; {@link expfFma} emulates those exactly (error-free transformations, with an exact
 * BigInt fallback for the rare near-tie). {@link expf} is the variant XGBoost 1.7 on such a CPU uses.
 */

const N = 32;
const SHIFT = 6755399441055744; // 0x1.8p52
const INV_LN2_N = Math.LOG2E * N; // 0x1.71547652b82fep0 * N
const C0 = 0.05550361559341535 / N / N / N;
const C1 = 0.2402284522445722 / N / N;
const C2 = 0.6931471806916203 / N;

/** `2^(i/32)` for i in 0..31, correctly rounded (glibc `__exp2f_data.tab` + `i << 47`). */
const TABLE: Float64Array = (() => {
  const bits = [
    0x3ff0000000000000n,
    0x3fefd9b0d3158574n,
    0x3fefb5586cf9890fn,
    0x3fef9301d0125b51n,
    0x3fef72b83c7d517bn,
    0x3fef54873168b9aan,
    0x3fef387a6e756238n,
    0x3fef1e9df51fdee1n,
    0x3fef06fe0a31b715n,
    0x3feef1a7373aa9cbn,
    0x3feedea64c123422n,
    0x3feece086061892dn,
    0x3feebfdad5362a27n,
    0x3feeb42b569d4f82n,
    0x3feeab07dd485429n,
    0x3feea47eb03a5585n,
    0x3feea09e667f3bcdn,
    0x3fee9f75e8ec5f74n,
    0x3feea11473eb0187n,
    0x3feea589994cce13n,
    0x3feeace5422aa0dbn,
    0x3feeb737b0cdc5e5n,
    0x3feec49182a3f090n,
    0x3feed503b23e255dn,
    0x3feee89f995ad3adn,
    0x3feeff76f2fb5e47n,
    0x3fef199bdd85529cn,
    0x3fef3720dcef9069n,
    0x3fef5818dcfba487n,
    0x3fef7c97337b9b5fn,
    0x3fefa4afa2a490dan,
    0x3fefd0765b6e4540n,
  ];
  const view = new DataView(new ArrayBuffer(8));
  return Float64Array.from(bits, (b, i) => {
    view.setBigUint64(0, b + (BigInt(i) << 47n));
    return view.getFloat64(0);
  });
})();

const OVERFLOW = Math.fround(88.72283172607422); // log(2^128)
const UNDERFLOW = Math.fround(-103.97207641601562); // log(2^-150)

/** Shared front end: special cases, or `[r, s]` with exp(x) ≈ s · P(r). */
function reduce(x: number): number | undefined {
  const ax = Math.abs(x);
  if (!(ax < 88)) {
    if (x === Number.NEGATIVE_INFINITY) return 0;
    if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) return x + x;
    if (x > OVERFLOW) return Number.POSITIVE_INFINITY;
    if (x < UNDERFLOW) return 0;
  }
  return undefined;
}

let rr = 0;
let ss = 0;

function split(x: number): void {
  const z = INV_LN2_N * x;
  const kd = z + SHIFT - SHIFT; // round to nearest integer, ties to even
  rr = z - kd;
  const k = kd | 0;
  ss = (TABLE[k & 31] as number) * 2 ** (k >> 5);
}

/** glibc `expf` built without FMA (`__expf_sse2`). */
export function expfNoFma(x: number): number {
  const special = reduce(x);
  if (special !== undefined) return special;
  split(x);
  const r = rr;
  const z = C0 * r + C1;
  const r2 = r * r;
  let y = C2 * r + 1;
  y = z * r2 + y;
  return Math.fround(y * ss);
}

/** glibc `expf` as built with FMA (`__expf_fma`): the variant on FMA-capable x86-64 CPUs. */
export function expfFma(x: number): number {
  const special = reduce(x);
  if (special !== undefined) return special;
  split(x);
  const r = rr;
  const z = fma(C0, r, C1);
  const r2 = r * r;
  let y = fma(C2, r, 1);
  y = fma(z, r2, y);
  return Math.fround(y * ss);
}

/** The `expf` XGBoost 1.7 gets from glibc on an FMA-capable x86-64 CPU. */
export const expf: (x: number) => number = expfFma;

const SPLITTER = 134217729; // 2^27 + 1

/**
 * Fused multiply-add `a*b + c` with one rounding. Error-free product (Veltkamp/Dekker) and sums;
 * when the fast result might sit on the wrong side of a rounding boundary, the exact sum is
 * rounded with BigInt arithmetic. Operands must be finite and the product must not overflow.
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  // Dekker TwoProduct: p + e = a*b exactly
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const e = al * bl - (p - ah * bh - al * bh - ah * bl);
  // TwoSum(p, c) = s + f
  const s = p + c;
  const bb = s - p;
  const f = p - (s - bb) + (c - bb);
  // exact = s + f + e
  const u = f + e;
  const b2 = u - f;
  const uErr = f - (u - b2) + (e - b2);
  const r = s + u;
  const b3 = r - s;
  const w = s - (r - b3) + (u - b3); // r + w = s + u exactly
  // r is RN(s + u); the exact value is r + w + uErr. r is also RN(exact) when the remainder is
  // well inside half an ulp of r (cheap test first), or clearly away from the half-ulp boundary.
  const rest = w + uErr;
  if (r + 2 * rest === r && r - 2 * rest === r) return r;
  const h = halfUlp(r);
  if (Math.abs(Math.abs(w) - h) > 2 * Math.abs(uErr) && Math.abs(w) !== h) return r;
  return exactSum3(s, f, e);
}

function halfUlp(x: number): number {
  if (x === 0) return 2 ** -1075;
  const exponent = Math.floor(Math.log2(Math.abs(x)));
  let ulp = 2 ** (exponent - 52);
  // log2 may be off by one near powers of two: correct it
  if (Math.abs(x) >= 2 ** (exponent + 1)) ulp *= 2;
  else if (Math.abs(x) < 2 ** exponent) ulp /= 2;
  return Math.max(ulp, 2 ** -1074) / 2;
}

const view = new DataView(new ArrayBuffer(8));

/** A finite double as `m · 2^-1074` with integer m. */
function toScaled(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  if (exp !== 0) mant |= 1n << 52n;
  const scaled = mant << BigInt(Math.max(exp - 1, 0));
  return sign === 1n ? -scaled : scaled;
}

/** Rounds `m · 2^-1074` to the nearest double, ties to even. */
function fromScaled(m: bigint): number {
  if (m === 0n) return 0;
  const negative = m < 0n;
  let a = negative ? -m : m;
  const bitsLen = a.toString(2).length;
  const shift = Math.max(bitsLen - 53, 0);
  let q = a >> BigInt(shift);
  const rem = a - (q << BigInt(shift));
  if (shift > 0) {
    const half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  }
  a = q;
  // value = q · 2^(shift - 1074); scale in two halves so no intermediate power under/overflows
  const k = shift - 1074;
  const value = Number(a) * 2 ** Math.trunc(k / 2) * 2 ** (k - Math.trunc(k / 2));
  return negative ? -value : value;
}

function exactSum3(a: number, b: number, c: number): number {
  return fromScaled(toScaled(a) + toScaled(b) + toScaled(c));
}
