/**
 * Python's `repr()` / `str()` of a float: the shortest digit string that round-trips the double,
 * laid out by CPython's rules (`Python/pystrtod.c`, `format_float_short`, mode `'r'`): plain notation
 * when the decimal exponent is in [-4, 16), otherwise `d.ddde±XX` with at least two exponent digits;
 * a whole number keeps `.0`; `nan`, `inf`, `-inf`, `-0.0`.
 *
 * The SageMaker XGBoost container writes predictions with `str(p) for p in preds.tolist()`: the
 * float32 prediction widened to a double, so `0.537585437297821`, not `0.53758544`.
 *
 * @example
 * pythonFloatRepr(1e-5); // '1e-05'
 * pythonFloatRepr(Math.fround(0.5375854)); // '0.537585437297821'
 * pythonFloatRepr(1); // '1.0'
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() without an argument gives the shortest round-tripping digits, like repr.
  const text = x.toExponential();
  const negative = text.charCodeAt(0) === 45;
  const e = text.indexOf('e');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const digits = mantissa.length > 1 ? mantissa[0] + mantissa.slice(2) : mantissa;
  const decpt = exponent + 1; // value = 0.<digits> × 10^decpt
  let body: string;
  if (decpt <= -4 || decpt > 16) {
    const abs = Math.abs(exponent);
    body = `${digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits}e${exponent < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  } else if (decpt <= 0) {
    body = `0.${'0'.repeat(-decpt)}${digits}`;
  } else if (decpt >= digits.length) {
    body = `${digits}${'0'.repeat(decpt - digits.length)}.0`;
  } else {
    body = `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  }
  return negative ? `-${body}` : body;
}

/** Python's `json.dumps` rendering of a float (`NaN`, `Infinity`, `-Infinity` for the non-finite). */
export function pythonJsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return pythonFloatRepr(x);
}
