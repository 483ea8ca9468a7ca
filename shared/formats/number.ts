/**
 * Text ↔ number for the text formats (CSV, LibSVM). Parsing accepts what XGBoost's dmlc parser and
 * JavaScript agree on: decimal and exponent notation with an optional sign, surrounding blanks,
 * and `nan` / `inf` / `infinity` in any case. Formatting gives the shortest text that reads back to
 * the same double; NaN (missing) formats as the empty string.
 */

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/**
 * Parses a number written as text; `''` (and blanks only) is missing and gives NaN.
 *
 * @returns the number, NaN for a missing value, or undefined when the text is not a number.
 * @example
 * parseNumber('1.5e3') // 1500
 * parseNumber('') // NaN (missing)
 * parseNumber('abc') // undefined
 */
export function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (t.length === 0) return Number.NaN;
  if (DECIMAL.test(t)) return Number(t);
  const special = SPECIAL.exec(t);
  if (special === null) return undefined;
  if (special[2]!.toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** Formats a number for a text format: shortest round-trip text, `''` for NaN (missing). */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return '';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  if (value === 0 && 1 / value < 0) return '-0';
  return String(value);
}

/** Powers of ten that are exact doubles (10^0 … 10^22): the Clinger fast path. */
export const EXACT_POWERS_OF_TEN: Float64Array = Float64Array.from({ length: 23 }, (_, i) =>
  Number(`1e${i}`),
);
