/**
 * The in-memory training matrix the trainer works on: dense, row-major float32 with NaN for a
 * missing value (XGBoost's DMatrix with `missing=NaN`), plus labels and optional instance weights.
 */

/** A dense labelled matrix. `values[r * cols + c]` is feature `c` of row `r`; NaN = missing. */
export interface Dataset {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float32Array;
  readonly labels: Float32Array;
  /** Instance weights (`label:weight` in LibSVM, `csv_weights=1` in CSV); absent = all 1. */
  readonly weights?: Float32Array;
}

/** Builds a {@link Dataset} from row arrays (tests, small inputs); `null`/NaN = missing. */
export function datasetFromRows(
  rows: ReadonlyArray<ReadonlyArray<number | null>>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
): Dataset {
  const cols = rows.reduce((max, row) => Math.max(max, row.length), 0);
  const values = new Float32Array(rows.length * cols).fill(Number.NaN);
  rows.forEach((row, r) => {
    row.forEach((v, c) => {
      values[r * cols + c] = v === null ? Number.NaN : v;
    });
  });
  const base = { rows: rows.length, cols, values, labels: Float32Array.from(labels) };
  return weights === undefined ? base : { ...base, weights: Float32Array.from(weights) };
}

/** Widens a dataset to `cols` columns (missing-filled), so train and validation agree on width. */
export function widenDataset(data: Dataset, cols: number): Dataset {
  if (cols <= data.cols) return data;
  const values = new Float32Array(data.rows * cols).fill(Number.NaN);
  for (let r = 0; r < data.rows; r++) {
    values.set(data.values.subarray(r * data.cols, (r + 1) * data.cols), r * cols);
  }
  return { ...data, cols, values };
}
