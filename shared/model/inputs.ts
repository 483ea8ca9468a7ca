/**
 * Scoring inputs as the SageMaker XGBoost 1.7-1 container reads them at inference (SPEC §3, §5),
 * turned into the dense float32 rows {@link XGBoostModel.predictMargin} takes (NaN = missing):
 * - `text/csv`: no label column; an empty field is missing; values parsed as doubles, then float32.
 * - `text/libsvm`: tokens without `:` (the label) ignored; `index:value` with **0-based** indices;
 *   absent indices are missing.
 * - `application/x-recordio-protobuf`: Amazon Record, `features["values"]` dense or sparse.
 * A row with more columns than the model has features is refused, as XGBoost refuses it
 * ("Number of columns does not match number of features in booster"); fewer columns are missing.
 * The byte-level parsing is `shared/formats`'.
 */

import { CsvFormatError, InputValidationError, LibSvmFormatError, RecordIOFormatError } from '../errors';
import {
  decodeRecordIO,
  type FeatureRow,
  type LibSvmLine,
  LibSvmReader,
  type NumericCsvBatch,
  parseNumericCsv,
  recordFeatures,
} from '../formats';

/** Dense rows ready for prediction: `rows × numFeature` float32 values, NaN = missing. */
export interface ScoringRows {
  readonly x: Float32Array;
  readonly rows: number;
}

/** The inference content types the XGBoost container accepts. */
export type ScoringContentType = 'text/csv' | 'text/libsvm' | 'application/x-recordio-protobuf';

/**
 * Normalises a content type as the container does (`csv`, `text/csv;label_size=0`, `libsvm`,
 * `text/x-libsvm`, `recordio-protobuf`, …).
 *
 * @throws {InputValidationError} for anything else (the container answers 415).
 */
export function normalizeContentType(contentType: string): ScoringContentType {
  const base = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (base === 'text/csv' || base === 'csv') return 'text/csv';
  if (base === 'text/libsvm' || base === 'text/x-libsvm' || base === 'libsvm') return 'text/libsvm';
  if (base === 'application/x-recordio-protobuf' || base === 'recordio-protobuf') {
    return 'application/x-recordio-protobuf';
  }
  throw new InputValidationError(
    `content type '${contentType}' is not one XGBoost scores: expected text/csv, text/libsvm or application/x-recordio-protobuf`,
    'contentType',
  );
}

function tooWide(columns: number, numFeature: number): string {
  return `${columns} columns but the model has ${numFeature} features (Number of columns does not match number of features in booster)`;
}

/**
 * CSV lines without a label column into dense rows.
 *
 * @throws {CsvFormatError} for a non-numeric field, rows of different widths, or rows wider than the model.
 */
export function csvRows(input: Uint8Array, numFeature: number, source?: string): ScoringRows {
  return csvBatchRows(parseNumericCsv(input, source === undefined ? {} : { source }), numFeature, source);
}

/**
 * A batch of the streaming `NumericCsvReader` into dense rows (for inputs too big to hold at once).
 *
 * @throws {CsvFormatError} for rows wider than the model.
 */
export function csvBatchRows(batch: NumericCsvBatch, numFeature: number, source?: string): ScoringRows {
  const { rows, width, values } = batch;
  if (rows > 0 && width > numFeature) {
    throw new CsvFormatError(`row has ${tooWide(width, numFeature)}`, {
      ...(source === undefined ? {} : { source }),
      line: batch.lines[0] as number,
    });
  }
  if (width === numFeature) return { x: new Float32Array(values), rows };
  const x = new Float32Array(rows * numFeature).fill(Number.NaN);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) x[r * numFeature + c] = values[r * width + c] as number;
  }
  return { x, rows };
}

/**
 * LibSVM lines (0-based indices, label token ignored) into dense rows. A repeated index adds up, as
 * the container's `scipy.sparse.csr_matrix` does.
 *
 * @throws {LibSvmFormatError} for a malformed line or an index beyond the model's features.
 */
export function libsvmRows(input: Uint8Array, numFeature: number, source?: string): ScoringRows {
  const reader = new LibSvmReader({
    indexBase: 0,
    hasLabel: false,
    ...(source === undefined ? {} : { source }),
  });
  return libsvmLineRows([...reader.push(input), ...reader.end()], numFeature, source);
}

/**
 * Lines of the streaming `LibSvmReader` (`indexBase: 0, hasLabel: false`) into dense rows.
 *
 * @throws {LibSvmFormatError} for an index beyond the model's features.
 */
export function libsvmLineRows(
  lines: readonly LibSvmLine[],
  numFeature: number,
  source?: string,
): ScoringRows {
  const x = new Float32Array(lines.length * numFeature).fill(Number.NaN);
  const sums = new Map<number, number>();
  lines.forEach((line, r) => {
    const base = r * numFeature;
    sums.clear();
    for (let k = 0; k < line.indices.length; k++) {
      const i = line.indices[k] as number;
      const v = line.values[k] as number;
      if (i >= numFeature) {
        throw new LibSvmFormatError(`index ${i} gives ${tooWide(i + 1, numFeature)}`, {
          ...(source === undefined ? {} : { source }),
          line: line.line,
        });
      }
      const previous = sums.get(i);
      const sum = previous === undefined ? v : previous + v;
      sums.set(i, sum);
      x[base + i] = sum;
    }
  });
  return { x, rows: lines.length };
}

/**
 * RecordIO-protobuf records (`features["values"]`, dense or sparse) into dense rows.
 *
 * @throws {RecordIOFormatError} for bad framing, a record without features or one wider than the model.
 */
export function recordIORows(input: Uint8Array, numFeature: number, source?: string): ScoringRows {
  const records = decodeRecordIO(input, source === undefined ? {} : { source });
  const x = new Float32Array(records.length * numFeature).fill(Number.NaN);
  records.forEach((record, r) => {
    let row: FeatureRow;
    try {
      row = recordFeatures(record);
    } catch (error) {
      throw new RecordIOFormatError(
        `record ${r + 1}: ${(error as Error).message}`,
        source === undefined ? {} : { source },
        {
          cause: error,
        },
      );
    }
    const width = row.kind === 'dense' ? row.values.length : row.size;
    if (width > numFeature) {
      throw new RecordIOFormatError(
        `record ${r + 1} has ${tooWide(width, numFeature)}`,
        source === undefined ? {} : { source },
      );
    }
    const base = r * numFeature;
    if (row.kind === 'dense') {
      for (let i = 0; i < row.values.length; i++) x[base + i] = row.values[i] as number;
    } else {
      for (let k = 0; k < row.indices.length; k++)
        x[base + (row.indices[k] as number)] = row.values[k] as number;
    }
  });
  return { x, rows: records.length };
}

/**
 * Reads a scoring input of any accepted content type.
 *
 * @example
 * const { x, rows } = scoringRows(bytes, 'text/csv', model.numFeature, 'input.csv');
 * const predictions = model.predict(x, rows);
 */
export function scoringRows(
  input: Uint8Array,
  contentType: string,
  numFeature: number,
  source?: string,
): ScoringRows {
  switch (normalizeContentType(contentType)) {
    case 'text/csv':
      return csvRows(input, numFeature, source);
    case 'text/libsvm':
      return libsvmRows(input, numFeature, source);
    default:
      return recordIORows(input, numFeature, source);
  }
}
