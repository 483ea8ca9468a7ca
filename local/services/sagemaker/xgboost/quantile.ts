/**
 * Feature quantisation as XGBoost's `hist` does it (`src/common/hist_util.*`, `quantile.cc`):
 * per feature, at most `max_bin` bins whose upper bounds ("cuts") are feature values. A value `x`
 * falls in the first bin whose cut is greater than `x`, so `x < cut[k]` ⇔ `bin(x) ≤ k`, which is
 * exactly the test a tree node makes (`x < split_condition` goes left). Features with at most
 * `max_bin` distinct values get one bin per value; others get (unweighted) quantile cuts. The last
 * cut is a sentinel above the maximum (`max + |max| + 1e-5`), as XGBoost writes it.
 */
import type { Dataset } from './dataset';

/** Cut points of every feature and the row-major bin matrix. */
export interface QuantisedMatrix {
  readonly rows: number;
  readonly cols: number;
  /** `cuts[f]` ascending float32 upper bounds; `cuts[f].length` = number of value bins of `f`. */
  readonly cuts: Float32Array[];
  /** Below every value of the feature: the threshold of a "missing vs everything" split. */
  readonly minValues: Float32Array;
  /**
   * `offsets[f]` = first global bin of feature `f`; feature `f` owns `cuts[f].length + 1` global bins,
   * the last of which holds its missing values. `offsets[cols]` = total bins.
   */
  readonly offsets: Uint32Array;
  /**
   * `bins[r * cols + f]` = global bin of row `r`, feature `f` (missing → the feature's last bin);
   * 16-bit when the total number of bins allows it (half the memory traffic of the hot loop).
   */
  readonly bins: Uint16Array | Uint32Array;
  /** Whether feature `f` has a missing value in some row (the exact method's column density < 1). */
  readonly hasMissing: Uint8Array;
}

/**
 * Computes the cut points of one feature from its non-missing values (sorted in place).
 * `midpoints`: the threshold between two consecutive values is their float32 midpoint, as the
 * `exact` method writes split values (`(fvalue + last_fvalue) * 0.5f`), instead of the upper value
 * (`hist`); a midpoint that rounds onto the lower value falls back to the upper one, so a value
 * always lands in the bin its threshold test sends it to.
 */
export function featureCuts(values: Float32Array, maxBin: number, midpoints = false): Float32Array {
  if (values.length === 0) return new Float32Array(0);
  values.sort();
  const distinct: number[] = [];
  let distinctCount = 0;
  let last = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== last) {
      distinctCount++;
      if (distinctCount <= maxBin) distinct.push(v);
      last = v;
    }
  }
  const max = values[values.length - 1]!;
  const cuts: number[] = [];
  const split = (lower: number, upper: number): number => {
    if (!midpoints) return upper;
    const mid = Math.fround(Math.fround(lower + upper) * 0.5);
    return mid > lower && mid <= upper ? mid : upper;
  };
  if (distinctCount <= maxBin) {
    for (let i = 1; i < distinct.length; i++) cuts.push(split(distinct[i - 1]!, distinct[i]!));
  } else {
    const n = values.length;
    let lastUpper = values[0]!;
    for (let i = 1; i < maxBin; i++) {
      let at = Math.min(n - 1, Math.floor((i * n) / maxBin));
      const v = values[at]!;
      if (v > lastUpper) {
        while (at > 0 && values[at - 1] === v) at--;
        cuts.push(split(at > 0 ? values[at - 1]! : v, v));
        lastUpper = v;
      }
    }
  }
  cuts.push(Math.fround(max + (Math.abs(max) + 1e-5)));
  return Float32Array.from(cuts);
}

/** Quantises a dataset (all rows) into ≤ `maxBin` bins per feature (`midpoints`: see {@link featureCuts}). */
export function quantise(data: Dataset, maxBin: number, midpoints = false): QuantisedMatrix {
  const { rows, cols, values } = data;
  const cuts: Float32Array[] = [];
  const minValues = new Float32Array(cols);
  const hasMissing = new Uint8Array(cols);
  const offsets = new Uint32Array(cols + 1);
  const column = new Float32Array(rows);
  for (let f = 0; f < cols; f++) {
    let n = 0;
    for (let r = 0, i = f; r < rows; r++, i += cols) {
      const v = values[i]!;
      if (!Number.isNaN(v)) column[n++] = v;
    }
    if (n < rows) hasMissing[f] = 1;
    const sorted = column.slice(0, n);
    const featureCut = featureCuts(sorted, Math.max(1, maxBin), midpoints);
    cuts.push(featureCut);
    const min = n > 0 ? sorted[0]! : 0;
    minValues[f] = Math.fround(min - (Math.abs(min) + 1e-5));
    offsets[f + 1] = offsets[f]! + featureCut.length + 1;
  }
  const bins = offsets[cols]! <= 0xffff ? new Uint16Array(rows * cols) : new Uint32Array(rows * cols);
  for (let f = 0; f < cols; f++) {
    const featureCut = cuts[f]!;
    const nb = featureCut.length;
    const offset = offsets[f]!;
    const missingBin = offset + nb;
    for (let r = 0, i = f; r < rows; r++, i += cols) {
      const v = values[i]!;
      if (Number.isNaN(v)) {
        bins[i] = missingBin;
        continue;
      }
      // upper_bound: first cut > v (the sentinel guarantees one exists for every seen value)
      let lo = 0;
      let hi = nb - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (featureCut[mid]! > v) hi = mid;
        else lo = mid + 1;
      }
      bins[i] = offset + lo;
    }
  }
  return { rows, cols, cuts, minValues, offsets, bins, hasMissing };
}
